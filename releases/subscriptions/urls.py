"""Addresses of the subscription pages; the token in a link is its only key."""

from django.urls import path

from releases.subscriptions import views

urlpatterns = [
    path("", views.subscribe, name="subscribe"),
    path("<str:token>/confirm/", views.confirm, name="subscription-confirm"),
    path("<str:token>/unsubscribe/", views.unsubscribe, name="subscription-unsubscribe"),
]
