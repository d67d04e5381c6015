"""The shopper's side of the support chat over HTTP: the conversation's state and history (the
panel loads it on open, so a conversation survives a reload), starting a conversation, and the
signed link e-mailed to a shopper who left. Live messages travel over the WebSocket."""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from duken.interactions.models import Kind
from duken.interactions.services import record

from . import chat, guest_addresses, ratelimit
from .consumers import broadcast


def _state(request, conversation):
    data = {
        "known": request.user.is_authenticated,
        "csrf": get_token(request),
        "conversation": None,
        "messages": [],
        "notice": "",
    }
    if conversation is not None:
        data["conversation"] = {
            "id": conversation.pk,
            "open": conversation.status == conversation.Status.OPEN,
            "ws": chat.ws_url(request, conversation.pk),
        }
        data["messages"] = [chat.message_data(m) for m in chat.history(conversation)]
        address = conversation.guest_address
        if guest_addresses.waits_for_confirmation(conversation.customer, address):
            data["notice"] = _(
                "We sent a confirmation link to %(email)s. Once you confirm the address, we "
                "e-mail you our replies when you are not on the page."
            ) % {"email": address.email}
    return data


def _set_cookie(response, on=True, request=None):
    if on:
        response.set_cookie(
            chat.COOKIE,
            "1",
            max_age=chat.LINK_MAX_AGE,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    elif request is not None and chat.COOKIE in request.COOKIES:
        response.delete_cookie(chat.COOKIE)
    return response


@never_cache
@require_GET
def state(request):
    conversation = chat.current_for(request.user, request.session)
    response = JsonResponse(_state(request, conversation))
    return _set_cookie(response, conversation is not None, request)


@never_cache
@require_POST
def send(request):
    """Start a conversation with its first message, or add one to the open conversation (when
    the socket is not available)."""
    try:
        ratelimit.check(request, scope="chat", limit=chat.messages_per_minute())
    except ratelimit.RateLimited:
        return JsonResponse(
            {"error": _("Too many messages at once. Wait a minute, please.")}, status=429
        )
    conversation = chat.current_for(request.user, request.session)
    text = request.POST.get("text", "")
    try:
        if conversation is not None and conversation.status == conversation.Status.OPEN:
            message = chat.post(conversation, text, author=request.user, by_staff=False)
            broadcast(
                conversation.pk, {"type": "chat.message", "message": chat.message_data(message)}
            )
        else:
            conversation = chat.start(
                text=text,
                customer=request.user,
                name=request.POST.get("name", ""),
                email=request.POST.get("email", ""),
                language=get_language() or "",
                where=request.POST.get("where", ""),
                visitor=guest_addresses.browser(request),
            )
            chat.remember(request.session, conversation)
    except chat.ChatError as error:
        return JsonResponse({"error": str(error)}, status=400)
    record(request, Kind.CHAT_MESSAGE, obj=conversation, properties={"length": len(text)})
    return _set_cookie(JsonResponse(_state(request, conversation)))


@never_cache
@require_http_methods(["GET", "POST"])
def continue_link(request, token):
    """The link in a chat e-mail. A guest's conversation opens in the first browser that
    follows it (after one click: a mail scanner's GET claims nothing); anyone else who follows
    the same link later is refused and may start a new chat or ask for a fresh link."""
    link = chat.from_link(token)
    if link is None:
        message = _("This link is not valid any more. Open the help chat to write to us again.")
        return render(request, "conversations/refusal.html", {"message": message}, status=404)
    conversation, nonce = link
    if conversation.customer_id is not None:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.user.pk != conversation.customer_id:
            message = _("This conversation belongs to another account.")
            return render(request, "conversations/refusal.html", {"message": message}, status=403)
        return _set_cookie(redirect("/?chat=open"))
    if chat.is_shopper(request.user, request.session, conversation):
        return _set_cookie(redirect("/?chat=open"))
    if chat.is_staff_reader(request.user):
        # Staff following a customer's link must not take it away from the customer.
        return redirect("backoffice:inbox_chat", conversation.pk)
    if request.method == "POST" and chat.claim_link(conversation, nonce, request.session):
        return _set_cookie(redirect("/?chat=open"))
    if request.method == "GET" and chat.link_is_free(conversation, nonce):
        return render(request, "conversations/chat_continue.html", {"token": token})
    return render(request, "conversations/chat_link_refused.html", {"token": token}, status=403)


@never_cache
@require_POST
def fresh_link(request, token):
    """Asked for from the refusal page: a new link goes to the conversation's own address (the
    page says the same whether or not one went out, and never shows the address)."""
    link = chat.from_link(token)
    if link is None:
        message = _("This link is not valid any more. Open the help chat to write to us again.")
        return render(request, "conversations/refusal.html", {"message": message}, status=404)
    try:
        ratelimit.check(request, scope="chat-link")
    except ratelimit.RateLimited:
        message = _("You are sending messages too quickly. Please wait a minute and try again.")
        return render(request, "conversations/refusal.html", {"message": message}, status=429)
    chat.send_fresh_link(link[0])
    return render(request, "conversations/chat_link_sent.html")
