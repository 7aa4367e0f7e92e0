"""URLs of the challenges app: challenges, rubrics and reviews."""

from __future__ import annotations

from django.urls import path

from challenges import views

urlpatterns = [
    path("challenges/", views.challenge_list, name="challenges-list"),
    path("challenges/new/", views.challenge_create, name="challenges-create"),
    path(
        "challenges/intake-rubric/",
        views.intake_rubric,
        name="challenges-intake-rubric",
    ),
    path("challenges/<slug:slug>/", views.challenge_detail, name="challenges-detail"),
    path("challenges/<slug:slug>/edit/", views.challenge_edit, name="challenges-edit"),
    path(
        "challenges/<slug:slug>/ranking/",
        views.challenge_ranking,
        name="challenges-ranking",
    ),
    path(
        "challenges/<slug:slug>/assign/",
        views.challenge_assign,
        name="challenges-assign",
    ),
    path("ideas/<int:pk>/reviews/", views.idea_reviews, name="reviews-idea"),
    path("ideas/<int:pk>/reviews/assign/", views.idea_assign, name="reviews-assign"),
    path("reviews/", views.my_reviews, name="reviews-mine"),
    path("reviews/<int:pk>/", views.review, name="reviews-review"),
    path("reviews/<int:pk>/conflict/", views.review_conflict, name="reviews-conflict"),
]
