app_name = "conversations"
urlpatterns = []
