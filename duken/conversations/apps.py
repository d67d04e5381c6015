"""Reviews, product questions and answers, support chat, and the promises they open."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConversationsConfig(AppConfig):
    name = "duken.conversations"
    label = "conversations"
    verbose_name = _("Conversations")

    def ready(self):
        from django.db.models.signals import post_delete

        from duken.catalog.tiles import register_ratings
        from duken.core.csp import add_request_sources
        from duken.customers.facts import Source, register_message_source
        from duken.customers.timeline import register_figure, register_source

        from . import chat, privacy_rights, signals, timeline
        from .models import ChatMessage, Question, Review
        from .reviews import ratings_of

        register_ratings(ratings_of)
        privacy_rights.register()
        # The chat's pages connect to its WebSocket server, on its own port.
        add_request_sources("connect-src", chat.ws_csp_sources)
        # Staff keep a customer's question, review or chat message as a fact in one click.
        register_message_source(Source.QUESTION, Question, ("user",), "text")
        register_message_source(Source.REVIEW, Review, ("user",), "text")
        register_message_source(Source.CHAT, ChatMessage, ("author", "user", "customer"), "text")

        post_delete.connect(signals.review_deleted, sender=Review, dispatch_uid="review_deleted")

        register_source("review", _("Reviews"), timeline.review_entries)
        register_source("question", _("Questions"), timeline.question_entries)
        register_source("chat", _("Chat"), chat.timeline_entries)
        register_figure("open_conversations", _("Open conversations"), timeline.open_conversations)
