import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from duken.customers import services
from duken.customers.models import CustomerNote, CustomerTag, CustomerTagging

from .timeline_factories import make_customer, make_staff

pytestmark = pytest.mark.django_db


def test_a_note_is_written_trimmed_with_its_author():
    customer, clerk = make_customer(), make_staff()
    note = services.add_note(customer, author=clerk, text="  Prefers delivery after 18:00 \n")
    assert (note.customer, note.author, note.text) == (
        customer,
        clerk,
        "Prefers delivery after 18:00",
    )


@pytest.mark.parametrize("text", ["", "   \n ", None])
def test_an_empty_note_is_refused(text):
    with pytest.raises(ValidationError) as error:
        services.add_note(make_customer(), author=make_staff(), text=text)
    assert error.value.messages == ["Write the note first."]
    assert not CustomerNote.objects.exists()


def test_an_over_long_note_is_refused_with_the_limit():
    with pytest.raises(ValidationError) as error:
        services.add_note(make_customer(), author=make_staff(), text="x" * 2001)
    assert "at most 2000 characters" in error.value.messages[0]
    assert not CustomerNote.objects.exists()


def test_staff_delete_only_their_own_notes():
    customer, author, other = make_customer(), make_staff(), make_staff()
    note = services.add_note(customer, author=author, text="Called twice")
    with pytest.raises(PermissionDenied):
        services.delete_note(note, by=other)
    assert CustomerNote.objects.filter(pk=note.pk).exists()
    services.delete_note(note, by=author)
    assert not CustomerNote.objects.filter(pk=note.pk).exists()


def test_tags_are_shared_and_unique_whatever_the_letter_case():
    aru, dana, clerk = make_customer(), make_customer(), make_staff()
    vip = services.add_tag(aru, "  VIP  ", by=clerk)
    assert services.add_tag(dana, "vip") == vip
    regular = services.add_tag(aru, "Постоянный  клиент")
    assert services.add_tag(aru, "ПОСТОЯННЫЙ КЛИЕНТ") == regular
    assert regular.name == "Постоянный клиент"
    assert CustomerTag.objects.count() == 2
    assert [t.name for t in services.tags_of(aru)] == ["VIP", "Постоянный клиент"]
    assert CustomerTagging.objects.get(customer=aru, tag=vip).added_by == clerk


@pytest.mark.parametrize(
    "name",
    ["", "   ", "<b>VIP</b>", "<script>alert(1)</script>", 'a"b', "x" * 33, "-vip", "vip;drop"],
)
def test_bad_tags_are_refused(name):
    customer = make_customer()
    with pytest.raises(ValidationError):
        services.add_tag(customer, name)
    assert not CustomerTag.objects.exists()


def test_removing_a_tag_takes_it_off_one_customer_only():
    aru, dana = make_customer(), make_customer()
    services.add_tag(aru, "wholesale")
    services.add_tag(dana, "wholesale")
    assert services.remove_tag(aru, "WHOLESALE") is True
    assert services.remove_tag(aru, "wholesale") is False
    assert services.tags_of(aru) == [] and [t.name for t in services.tags_of(dana)] == ["wholesale"]


def test_notes_appear_on_the_timeline_as_written():
    from duken.customers.timeline import entries_for

    customer = make_customer()
    clerk = make_staff(first_name="Bolat", last_name="N.")
    services.add_note(customer, author=clerk, text="<script>alert(1)</script>")
    [entry] = entries_for(customer)
    assert (entry.kind, entry.title, entry.body) == (
        "note",
        "Note by Bolat N.",
        "<script>alert(1)</script>",
    )
