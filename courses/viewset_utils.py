"""Admin building blocks shared by the plugins' viewsets."""

from django.http import Http404
from django.urls import path
from wagtail.admin.admin_url_finder import ModelAdminURLFinder
from wagtail.admin.viewsets.model import ModelViewSet


class LimitedModelViewSet(ModelViewSet):
    """A ModelViewSet without the views named in ``disabled_views`` (no URL, no button, no permission)."""

    disabled_views: frozenset[str] = frozenset()
    permission_actions: tuple[str, ...] = ("add", "change", "delete", "view")

    def get_common_view_kwargs(self, **kwargs):
        view_kwargs = super().get_common_view_kwargs(**kwargs)
        for name in self.disabled_views:
            view_kwargs[f"{name}_url_name"] = None
        return view_kwargs

    def get_urlpatterns(self):
        conv = self.pk_path_converter
        routes = [
            ("", "index_view", "index"),
            ("results/", "index_results_view", "index_results"),
            ("new/", "add_view", "add"),
            (f"edit/<{conv}:pk>/", "edit_view", "edit"),
            (f"delete/<{conv}:pk>/", "delete_view", "delete"),
            (f"history/<{conv}:pk>/", "history_view", "history"),
            (f"history-results/<{conv}:pk>/", "history_results_view", "history_results"),
            (f"usage/<{conv}:pk>/", "usage_view", "usage"),
        ]
        if self.inspect_view_enabled:
            routes.append((f"inspect/<{conv}:pk>/", "inspect_view", "inspect"))
        if self.copy_view_enabled:
            routes.append((f"copy/<{conv}:pk>/", "copy_view", "copy"))
        return [
            path(route, getattr(self, attribute), name=name)
            for route, attribute, name in routes
            if name not in self.disabled_views
        ]

    @property
    def url_finder_class(self):
        view = "inspect" if "edit" in self.disabled_views else "edit"
        return type("_ModelAdminURLFinder", (ModelAdminURLFinder,), {"edit_url_name": self.get_url_name(view)})

    def get_permissions_to_register(self):
        codenames = [f"{action}_{self.model_name}" for action in self.permission_actions]
        return super().get_permissions_to_register().filter(codename__in=codenames)


ANY_ACTION = {"add", "change", "delete", "view"}


class ScopedViewSetMixin:
    """Viewset mixin: every view sees only the rows ``scope_queryset`` keeps for the user. Listings and exports
    are filtered, and opening an object outside the scope by URL is a 404 (people without any permission on the
    model are refused by the view's own permission check, as before)."""

    def scope_queryset(self, queryset, user):
        """Override this to narrow ``queryset`` to what ``user`` may see."""
        return queryset

    def construct_view(self, view_class, **kwargs):
        viewset = self
        attributes = {}
        if hasattr(view_class, "get_base_queryset"):

            def get_base_queryset(view):
                return viewset.scope_queryset(super(scoped, view).get_base_queryset(), view.request.user)

            attributes["get_base_queryset"] = get_base_queryset
        if hasattr(view_class, "get_object"):

            def get_object(view, *args, **kwargs):
                instance = super(scoped, view).get_object(*args, **kwargs)
                if instance is None:  # a create view
                    return instance
                policy = getattr(view, "permission_policy", None)
                if policy is not None and not policy.user_has_any_permission(view.request.user, ANY_ACTION):
                    return instance
                own = viewset.scope_queryset(view.model._default_manager.filter(pk=instance.pk), view.request.user)
                if not own.exists():
                    raise Http404
                return instance

            attributes["get_object"] = get_object
        scoped = type(f"Scoped{view_class.__name__}", (view_class,), attributes)
        return super().construct_view(scoped, **kwargs)
