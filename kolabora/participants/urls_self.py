"""Pages for participants themselves and public self-registration (namespace ``me``)."""


app_name = "me"

urlpatterns: list = []
