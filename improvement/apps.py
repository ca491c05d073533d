from django.apps import AppConfig


class ImprovementConfig(AppConfig):
    name = "improvement"
    verbose_name = "Targets, improvement actions and initiatives"

    def ready(self) -> None:
        from core.signals import projects_changed
        from improvement.services.target_phases import refresh_on_projects_changed

        projects_changed.connect(refresh_on_projects_changed, dispatch_uid="target-phases")
