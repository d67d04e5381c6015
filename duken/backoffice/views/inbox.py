"""The staff inbox: open promises oldest first with the overdue ones flagged, a question's page
to answer it (answering keeps the promise and e-mails the customer), a promise's page to reply
or close it, and the review moderation queue (publish, reject with a reason, reply publicly).

Staff only (``staff_member_required``); each view also checks a permission of the
conversations app. Views read the request, call ``conversations`` services and render."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from duken.conversations import chat, services
from duken.conversations.consumers import broadcast
from duken.conversations.forms import AnswerForm, RejectForm, ReplyForm
from duken.conversations.models import CHAT_MESSAGE_MAX, Conversation, Promise, Question, Review
from duken.core.permissions import staff_permission
from duken.customers.timeline import figures_for, timeline_page

PER_PAGE = 50


def _context(request, title, **extra):
    return {**admin.site.each_context(request), "title": title, **extra}


def customer_url(user) -> str:
    """The customer's timeline in the back office."""
    if user is None:
        return ""
    return reverse("backoffice:customer_timeline", args=[user.pk])


def _counts():
    now = timezone.now()
    open_ = services.open_promises()
    return {
        "open_count": open_.count(),
        "overdue_count": open_.filter(due_at__lt=now).count(),
        "pending_reviews": Review.objects.filter(status=Review.Status.PENDING).count(),
    }


@staff_permission("conversations.view_promise")
def inbox(request):
    promises = services.open_promises().select_related("customer", "owner")
    notices = []
    kind = request.GET.get("kind", "")
    if kind:
        if kind in Promise.Kind.values:
            promises = promises.filter(kind=kind)
        else:
            notices.append(_("There is no such kind; showing every kind."))
            kind = ""
    owner = request.GET.get("owner", "")
    if owner == "me":
        promises = promises.filter(owner=request.user)
    elif owner == "none":
        promises = promises.filter(owner__isnull=True)
    elif owner:
        if owner.isascii() and owner.isdigit():
            # On the staff member's own key, which takes any number as no one (a number too
            # large for the foreign key column fails on SQLite); "²" is a digit int() refuses.
            promises = promises.filter(owner__pk=int(owner))
        else:
            notices.append(_("There is no such owner; showing every owner."))
            owner = ""
    if request.GET.get("overdue") == "1":
        promises = promises.filter(due_at__lt=timezone.now())
    for notice in notices:
        messages.warning(request, notice)
    page = Paginator(promises, PER_PAGE).get_page(request.GET.get("page"))
    rows = [(promise, _detail_url(promise), customer_url(promise.customer)) for promise in page]
    owners = get_user_model().objects.filter(is_staff=True, is_active=True).order_by("email")
    context = _context(
        request,
        _("Inbox"),
        page=page,
        rows=rows,
        kinds=Promise.Kind.choices,
        kind=kind,
        owner=owner,
        owners=owners,
        overdue_only=request.GET.get("overdue") == "1",
        now=timezone.now(),
        **_counts(),
    )
    return render(request, "backoffice/inbox.html", context)


def _detail_url(promise: Promise) -> str:
    if promise.kind == Promise.Kind.QUESTION and promise.object_id:
        return reverse("backoffice:inbox_question", args=[promise.object_id])
    if promise.kind == Promise.Kind.CHAT and promise.object_id:
        return reverse("backoffice:inbox_chat", args=[promise.object_id])
    return reverse("backoffice:inbox_promise", args=[promise.pk])


@staff_permission("conversations.view_question")
def question(request, pk):
    question = get_object_or_404(Question.objects.select_related("product", "user"), pk=pk)
    form = AnswerForm()
    status = 200
    if request.method == "POST":
        if not services.may_answer(request.user, question):
            raise PermissionDenied
        form = AnswerForm(request.POST)
        if form.is_valid():
            services.answer(question, request.user, form.cleaned_data["text"])
            messages.success(
                request, _("The answer is published and the customer is told by e-mail.")
            )
            return redirect("backoffice:inbox")
        status = 400
    promise = services.promise_for(question, status=None)
    context = _context(
        request,
        _("Question about %(product)s") % {"product": question.product.name},
        question=question,
        answers=list(question.answers.select_related("user")),
        promise=promise,
        form=form,
        may_answer=services.may_answer(request.user, question),
        customer_link=customer_url(question.user),
    )
    return render(request, "backoffice/inbox_question.html", context, status=status)


@staff_permission("conversations.view_promise")
def promise(request, pk):
    promise = get_object_or_404(Promise.objects.select_related("customer", "owner"), pk=pk)
    if promise.kind == Promise.Kind.QUESTION and promise.object_id and request.method == "GET":
        return redirect("backoffice:inbox_question", pk=promise.object_id)
    if promise.kind == Promise.Kind.CHAT and promise.object_id and request.method == "GET":
        return redirect("backoffice:inbox_chat", pk=promise.object_id)
    form = ReplyForm()
    status = 200
    if request.method == "POST":
        if not request.user.has_perm("conversations.change_promise"):
            raise PermissionDenied
        form = ReplyForm(request.POST)
        action = request.POST.get("action")
        if form.is_valid():
            text = form.cleaned_data["text"]
            try:
                if action == "dismiss":
                    services.dismiss_promise(promise, request.user, text)
                    messages.success(request, _("The promise is closed without a reply."))
                    return redirect("backoffice:inbox")
                if not text.strip():
                    form.add_error("text", _("Write the reply the customer will receive."))
                else:
                    services.close_promise(promise, text, request.user)
                    messages.success(request, _("The reply is sent to the customer."))
                    return redirect("backoffice:inbox")
            except services.PromiseClosed:
                messages.warning(request, _("This promise was already closed."))
                return redirect("backoffice:inbox")
        status = 400
    context = _context(
        request,
        promise.get_kind_display(),
        promise=promise,
        form=form,
        customer_link=customer_url(promise.customer),
    )
    return render(request, "backoffice/inbox_promise.html", context, status=status)


@require_POST
@staff_permission("conversations.change_promise")
def take(request, pk):
    """Make the current staff member the owner of a promise."""
    promise = get_object_or_404(Promise, pk=pk)
    services.assign(promise, request.user)
    messages.success(request, _("You are now responsible for this."))
    return redirect(_detail_url(promise))


@staff_permission("conversations.view_review")
def reviews(request):
    status = request.GET.get("status", Review.Status.PENDING)
    if status not in Review.Status.values:
        status = Review.Status.PENDING
    queryset = Review.objects.filter(status=status).select_related("user", "product")
    # The queue is worked oldest first; published and rejected ones are looked up newest first.
    queryset = queryset.order_by(
        *(("updated_at", "pk") if status == Review.Status.PENDING else ("-updated_at", "-pk"))
    )
    page = Paginator(queryset, PER_PAGE).get_page(request.GET.get("page"))
    rows = [(review, customer_url(review.user)) for review in page]
    context = _context(
        request,
        _("Reviews"),
        page=page,
        rows=rows,
        status=status,
        statuses=Review.Status.choices,
        **_counts(),
    )
    return render(request, "backoffice/inbox_reviews.html", context)


@require_POST
@staff_permission("conversations.change_review")
def review_moderate(request, pk):
    review = get_object_or_404(Review, pk=pk)
    action = request.POST.get("action")
    back = request.POST.get("back_status", Review.Status.PENDING)
    if back not in Review.Status.values:
        back = Review.Status.PENDING
    target = f"{reverse('backoffice:inbox_reviews')}?status={back}"
    if action == "approve":
        services.approve(review, request.user)
        messages.success(request, _("The review is published."))
    elif action == "reject":
        form = RejectForm(request.POST)
        if not form.is_valid():
            for error in form.errors.get("reason", []):
                messages.error(request, _("Not rejected: %(error)s") % {"error": error})
            return redirect(target)
        services.reject(review, request.user, form.cleaned_data["reason"])
        messages.success(request, _("The review is rejected."))
    elif action == "reply":
        form = ReplyForm(request.POST)
        if not form.is_valid():
            for error in form.errors.get("text", []):
                messages.error(request, _("The reply is not saved: %(error)s") % {"error": error})
            return redirect(target)
        services.reply(review, request.user, form.cleaned_data["text"])
        messages.success(request, _("The reply is saved."))
    else:
        messages.error(request, _("Unknown action."))
    return redirect(target)


CHAT_TIMELINE_ENTRIES = 30


@staff_permission("conversations.view_promise")
def chat_view(request, pk):
    """A chat: the live conversation on one side, the customer's timeline beside it."""
    conversation = get_object_or_404(Conversation.objects.select_related("customer"), pk=pk)
    customer = conversation.customer
    entries = timeline_page(customer, limit=CHAT_TIMELINE_ENTRIES).entries if customer else []
    context = _context(
        request,
        _("Chat with %(name)s") % {"name": conversation.display_name},
        conversation=conversation,
        history=chat.history(conversation),
        promise=services.promise_for(conversation, status=None),
        ws_url=chat.ws_url(request, conversation.pk),
        may_write=chat.is_staff_writer(request.user),
        customer=customer,
        customer_link=customer_url(customer),
        entries=entries,
        figures=figures_for(customer) if customer else {},
        message_max=CHAT_MESSAGE_MAX,
    )
    return render(request, "backoffice/inbox_chat.html", context)


@require_POST
@staff_permission("conversations.change_promise")
def chat_close(request, pk):
    """Close the chat and keep its promise: the customer is e-mailed the reply."""
    conversation = get_object_or_404(Conversation.objects.select_related("customer"), pk=pk)
    reply = request.POST.get("text", "")
    try:
        chat.close(conversation, request.user, reply)
    except (chat.ChatError, services.PromiseClosed) as error:
        messages.error(request, str(error) or _("This promise was already closed."))
        return redirect("backoffice:inbox_chat", pk=conversation.pk)
    broadcast(conversation.pk, {"type": "chat.closed", "text": reply})
    messages.success(request, _("The conversation is closed and the customer is told by e-mail."))
    return redirect("backoffice:inbox")
