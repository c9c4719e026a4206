"""/api/...: the REST API (v1, scoped by organisation) and its schema and docs."""

urlpatterns = []
