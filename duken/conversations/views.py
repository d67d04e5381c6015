"""Shopper-facing pages: write or edit a review, vote a review helpful, ask and answer questions,
the full review list of a product, a question's page, the customer's own conversations, and
the link that confirms a guest's e-mail address."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from duken.catalog.models import Product
from duken.core import second_factor
from duken.interactions.models import Kind
from duken.interactions.services import record

from . import guest_addresses, questions, ratelimit, reviews
from .forms import AnswerForm, QuestionForm, ReviewForm
from .models import ProductRating, Question, Review

REVIEWS_PER_PAGE = 20


def _product(product_id: int) -> Product:
    return get_object_or_404(
        Product.objects.select_related("primary_category"), pk=product_id, is_active=True
    )


def _refuse(request, message: str, status: int):
    if getattr(request, "htmx", False):
        return render(request, "conversations/_refusal.html", {"message": message}, status=status)
    return render(request, "conversations/refusal.html", {"message": message}, status=status)


def _rate_limited(request):
    return _refuse(
        request,
        _("You are sending messages too quickly. Please wait a minute and try again."),
        429,
    )


@login_required
def review_write(request, product_id: int):
    product = _product(product_id)
    review = Review.objects.filter(product=product, user=request.user).first()
    return _review_form(request, product, review)


@login_required
def review_edit(request, pk: int):
    # Only the author's own review is found: another customer's is a 404.
    review = get_object_or_404(Review.objects.select_related("product"), pk=pk, user=request.user)
    return _review_form(request, review.product, review)


def _review_form(request, product, review):
    if not reviews.is_verified_buyer(request.user, product):
        return _refuse(request, _("Only customers who bought this product can review it."), 403)
    if request.method == "POST":
        try:
            ratelimit.check(request)
        except ratelimit.RateLimited:
            return _rate_limited(request)
        form = ReviewForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            saved = reviews.submit_review(
                request.user, product, rating=data["rating"], text=data["text"], title=data["title"]
            )
            record(
                request,
                Kind.REVIEW,
                obj=product,
                properties={
                    "review": saved.pk,
                    "rating": saved.rating,
                    "edited": review is not None,
                },
            )
            messages.success(
                request, _("Thank you for your review! It will appear after a quick check.")
            )
            return redirect(product.get_absolute_url() + "#reviews")
        status = 400
    else:
        initial = {}
        if review is not None:
            initial = {"rating": review.rating, "title": review.title, "text": review.text}
        form = ReviewForm(initial=initial)
        status = 200
    return render(
        request,
        "conversations/review_form.html",
        {"form": form, "product": product, "review": review},
        status=status,
    )


@login_required
def review_helpful(request, pk: int):
    review = get_object_or_404(
        Review.objects.select_related("product"), pk=pk, status=Review.Status.APPROVED
    )
    if request.method != "POST":
        # A guest who clicked "helpful" lands here after logging in: back to the reviews.
        return redirect(review.product.get_absolute_url() + "#reviews")
    try:
        ratelimit.check(request, "vote")
    except ratelimit.RateLimited:
        return _rate_limited(request)
    try:
        reviews.vote_helpful(review, request.user)
    except reviews.OwnReview:
        messages.error(request, _("You cannot mark your own review as helpful."))
    except reviews.AlreadyVoted:
        messages.info(request, _("You have already marked this review as helpful."))
    else:
        messages.success(request, _("Thank you! Your vote is counted."))
    return redirect(review.product.get_absolute_url() + "#reviews")


def product_reviews(request, product_id: int):
    product = _product(product_id)
    sort = request.GET.get("sort", reviews.DEFAULT_SORT)
    if sort not in reviews.SORTS:
        sort = reviews.DEFAULT_SORT
    page = Paginator(reviews.published(product.pk, sort), REVIEWS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rating = ProductRating.objects.filter(product=product).first()
    return render(
        request,
        "conversations/product_reviews.html",
        {
            "product": product,
            "page": page,
            "reviews": page.object_list,
            "sort": sort,
            "sorts": reviews.sort_choices(),
            "rating": rating,
        },
    )


@login_required
def ask(request, product_id: int):
    product = _product(product_id)
    if request.method == "POST":
        try:
            ratelimit.check(request)
        except ratelimit.RateLimited:
            return _rate_limited(request)
        form = QuestionForm(request.POST)
        if form.is_valid():
            question = questions.ask(request.user, product, form.cleaned_data["text"])
            record(request, Kind.QUESTION, obj=product, properties={"question": question.pk})
            messages.success(
                request, _("Thank you! We will answer soon and send the answer to your e-mail.")
            )
            return redirect(question.get_absolute_url())
        status = 400
    else:
        form, status = QuestionForm(), 200
    return render(
        request, "conversations/ask.html", {"form": form, "product": product}, status=status
    )


def question_detail(request, pk: int):
    question = get_object_or_404(Question.objects.select_related("product", "user"), pk=pk)
    if not questions.is_visible_to(question, request.user):
        raise Http404(_("No such question."))
    if not questions.is_visible_to(question, None) and question.user_id != request.user.pk:
        # Seen as staff: only once the session passed the second factor.
        gate = second_factor.redirect_for(request)
        if gate is not None:
            return gate
    form = None
    if questions.may_answer(request.user, question):
        form = AnswerForm()
    return render(
        request,
        "conversations/question.html",
        {
            "question": question,
            "product": question.product,
            "answers": list(question.answers.select_related("user")),
            "form": form,
        },
    )


@login_required
@require_POST
def question_answer(request, pk: int):
    question = get_object_or_404(Question.objects.select_related("product"), pk=pk)
    gate = second_factor.redirect_for(request)  # staff answer as the shop once verified
    if gate is not None:
        return gate
    if not questions.is_visible_to(question, request.user) and not questions.may_answer(
        request.user, question
    ):
        raise Http404(_("No such question."))
    if not questions.may_answer(request.user, question):
        return _refuse(request, _("Only customers who bought this product can answer."), 403)
    try:
        ratelimit.check(request)
    except ratelimit.RateLimited:
        return _rate_limited(request)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "conversations/question.html",
            {
                "question": question,
                "product": question.product,
                "answers": list(question.answers.select_related("user")),
                "form": form,
            },
            status=400,
        )
    questions.answer(question, request.user, form.cleaned_data["text"])
    messages.success(request, _("Thank you for your answer!"))
    return redirect(question.get_absolute_url())


@login_required
def my_conversations(request):
    return render(
        request,
        "conversations/account.html",
        {
            "account_section": "conversations",
            "reviews": Review.objects.filter(user=request.user).select_related("product"),
            "questions": Question.objects.filter(user=request.user)
            .select_related("product")
            .prefetch_related("answers"),
        },
    )


# --- a guest's e-mail address ---------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def confirm_address(request, token):
    """The link in the confirmation e-mail: one click confirms (a mail scanner's GET does
    not), and what waited for the address goes out."""
    address = guest_addresses.from_token(token)
    if address is None:
        return _refuse(
            request,
            _(
                "This confirmation link is not valid any more. Ask again in the shop and we "
                "will send you a new one."
            ),
            404,
        )
    confirmed = address.is_confirmed
    if request.method == "POST":
        guest_addresses.confirm(address)
        confirmed = True
    return render(
        request,
        "conversations/confirm_address.html",
        {
            "address": address,
            "purpose": guest_addresses.purpose(address),
            "confirmed": confirmed,
            "token": token,
        },
    )
