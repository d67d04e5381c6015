from django.urls import path

from . import chat_views, views

app_name = "conversations"
urlpatterns = [
    path("products/<int:product_id>/reviews/", views.product_reviews, name="product_reviews"),
    path("products/<int:product_id>/review/", views.review_write, name="review_write"),
    path("products/<int:product_id>/ask/", views.ask, name="ask"),
    path("reviews/<int:pk>/edit/", views.review_edit, name="review_edit"),
    path("reviews/<int:pk>/helpful/", views.review_helpful, name="review_helpful"),
    path("questions/<int:pk>/", views.question_detail, name="question"),
    path("questions/<int:pk>/answer/", views.question_answer, name="question_answer"),
    path("account/conversations/", views.my_conversations, name="account"),
    path("confirm/<text:token>/", views.confirm_address, name="confirm_address"),
    path("chat/", chat_views.state, name="chat_state"),
    path("chat/send/", chat_views.send, name="chat_send"),
    path("chat/continue/<text:token>/", chat_views.continue_link, name="chat_continue"),
    path("chat/continue/<text:token>/fresh/", chat_views.fresh_link, name="chat_fresh_link"),
]
