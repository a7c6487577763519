from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "kolabora.api"
    label = "api"
    verbose_name = "API"
