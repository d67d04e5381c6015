from django.urls import path

from .views import inbox

urlpatterns = [
    path("", inbox.inbox, name="inbox"),
    path("questions/<int:pk>/", inbox.question, name="inbox_question"),
    path("promises/<int:pk>/", inbox.promise, name="inbox_promise"),
    path("promises/<int:pk>/take/", inbox.take, name="inbox_take"),
    path("chats/<int:pk>/", inbox.chat_view, name="inbox_chat"),
    path("chats/<int:pk>/close/", inbox.chat_close, name="inbox_chat_close"),
    path("reviews/", inbox.reviews, name="inbox_reviews"),
    path("reviews/<int:pk>/", inbox.review_moderate, name="inbox_review_moderate"),
]
