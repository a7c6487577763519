"""The public catalogue (namespace ``catalogue``): no login, light pages for cheap phones."""

from django.urls import path

from .views import public

app_name = "catalogue"

urlpatterns = [
    path("katalog/", public.catalogue, name="list"),
    path("katalog/<int:pk>/", public.product, name="product"),
    path("katalog/foto/<int:pk>/<str:size>/", public.photo, name="photo"),
]
