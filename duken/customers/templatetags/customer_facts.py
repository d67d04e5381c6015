"""``{% customer_facts customer %}``: what the customer told us, for staff beside a conversation;
``{{ fact|quote_fact }}``: the fact quoted back ("You told us on 3 May: ...") in messages."""

from django import template

from ..facts import facts_for, quote

register = template.Library()

SHOWN = 20


@register.inclusion_tag("needs/_staff_facts.html", takes_context=True)
def customer_facts(context, customer, compact=True):
    facts = list(facts_for(customer)[:SHOWN]) if customer is not None else []
    return {
        "customer": customer,
        "facts": facts,
        "compact": compact,
        "request": context.get("request"),
    }


@register.filter
def quote_fact(fact) -> str:
    return quote(fact)
