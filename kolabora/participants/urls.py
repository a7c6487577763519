"""Staff pages for participants (namespace ``participants``)."""


app_name = "participants"

urlpatterns: list = []
