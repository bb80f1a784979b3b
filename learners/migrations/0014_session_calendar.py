# Sessions get an end time (filled from start + duration for existing rows), address, "cómo llegar", an
# instructor, a state and an iCalendar sequence; learners and instructors get private calendar subscriptions.

import datetime

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def fill_end_times(apps, schema_editor):
    Session = apps.get_model("learners", "Session")
    for session in Session.objects.filter(end_time__isnull=True).iterator():
        start = datetime.datetime.combine(datetime.date(2000, 1, 1), session.start_time)
        end = start + datetime.timedelta(minutes=int(round(float(session.duration_hours or 0) * 60)))
        if end.date() != start.date() or end <= start:  # past midnight or no duration: the end of that day
            end = datetime.datetime.combine(start.date(), datetime.time(23, 59, 59))
        session.end_time = end.time()
        session.save(update_fields=["end_time"])


def clear_end_times(apps, schema_editor):
    pass  # the column goes away when unapplied


class Migration(migrations.Migration):
    dependencies = [
        ("learners", "0013_attendance_record_method"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="session",
            name="end_time",
            field=models.TimeField(null=True, verbose_name="end time"),
        ),
        migrations.RunPython(fill_end_times, clear_end_times),
        migrations.AlterField(
            model_name="session",
            name="end_time",
            field=models.TimeField(verbose_name="end time"),
        ),
        migrations.AddField(
            model_name="session",
            name="address",
            field=models.CharField(blank=True, max_length=255, verbose_name="address"),
        ),
        migrations.AddField(
            model_name="session",
            name="directions",
            field=models.TextField(
                blank=True,
                help_text="Buses, landmarks, which door to use, accessibility.",
                verbose_name="how to get there",
            ),
        ),
        migrations.AddField(
            model_name="session",
            name="instructor",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="taught_sessions",
                to=settings.AUTH_USER_MODEL,
                verbose_name="instructor",
            ),
        ),
        migrations.AddField(
            model_name="session",
            name="sequence",
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name="calendar revision"),
        ),
        migrations.AddField(
            model_name="session",
            name="status",
            field=models.CharField(
                choices=[
                    ("scheduled", "Scheduled"),
                    ("changed", "Changed"),
                    ("suspended", "Suspended"),
                    ("held", "Held"),
                ],
                default="scheduled",
                max_length=16,
                verbose_name="status",
            ),
        ),
        migrations.AddField(
            model_name="session",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now, verbose_name="updated at"),
            preserve_default=False,
        ),
        migrations.AddConstraint(
            model_name="session",
            constraint=models.CheckConstraint(
                condition=models.Q(("end_time__gt", models.F("start_time"))), name="learners_session_times"
            ),
        ),
        migrations.CreateModel(
            name="CalendarFeed",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[("learner", "My sessions as a learner"), ("instructor", "Sessions I teach")],
                        max_length=16,
                        verbose_name="kind",
                    ),
                ),
                ("key", models.CharField(max_length=16, unique=True)),
                ("secret", models.CharField(max_length=64)),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="calendar_feeds",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "calendar subscription",
                "verbose_name_plural": "calendar subscriptions",
                "constraints": [models.UniqueConstraint(fields=("user", "kind"), name="learners_calendarfeed_unique")],
            },
        ),
    ]
