from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("assessments", "0002_not_assessed_and_confirmed_answers")]

    operations = [
        migrations.RenameField("assessment", "mean_score", "overall_score"),
    ]
