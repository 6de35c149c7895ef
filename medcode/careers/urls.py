"""Job board URLs under /jobs/."""

from django.urls import path

from medcode.careers import views

app_name = "careers"
urlpatterns = [
    path("", views.job_list, name="list"),
    path("feed.rss", views.JobFeed(), name="feed-rss"),
    path("feed.json", views.job_feed_json, name="feed-json"),
    path("<int:job_id>-<slug:slug>/", views.job_detail, name="job"),
    path("<int:job_id>/", views.job_detail, name="job-short"),
    path("<int:job_id>/apply/", views.job_apply, name="apply"),
    path("saved/", views.saved_list, name="saved"),
    path("saved/new/", views.saved_create, name="saved-create"),
    path("saved/<int:search_id>/delete/", views.saved_delete, name="saved-delete"),
    path("employer/", views.employer_home, name="employer"),
    path("employer/jobs/new/", views.job_new, name="job-new"),
    path("employer/jobs/<int:job_id>/applicants/", views.applicants, name="applicants"),
    path("employer/jobs/<int:job_id>/close/", views.job_close, name="job-close"),
    path("employer/applications/<int:application_id>/resume/", views.resume_download, name="resume"),
    path("moderation/", views.moderation, name="moderation"),
    path("moderation/jobs/<int:job_id>/", views.moderate_job, name="moderate-job"),
    path("moderation/employers/<int:employer_id>/", views.moderate_employer, name="moderate-employer"),
]
