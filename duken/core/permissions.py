"""Who may open a staff page: one decorator for every back-office view."""

from functools import wraps

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied

from . import second_factor


def staff_permission(perm: str):
    """Staff members holding ``perm``; anyone else is sent to the admin login (not staff) or
    refused with 403 (staff without the permission). A staff session that has not passed the
    second factor is sent to set one up or to enter a code first (``second_factor``)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            redirect = second_factor.redirect_for(request)
            if redirect is not None:
                return redirect
            if not request.user.has_perm(perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return staff_member_required(wrapper)

    return decorator
