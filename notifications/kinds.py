"""Every kind of e-mail the portal sends; templates/emails/<kind>-subject.txt, -body.txt and
-body.html hold each one's content."""

PERIOD_OPEN = "period_open"
REMINDER_DUE_7 = "reminder_due_7"
REMINDER_DUE_1 = "reminder_due_1"
REMINDER_OVERDUE = "reminder_overdue"
ESCALATION = "escalation"
REPORT = "report"
# Kinds a user may switch off for themselves; the open email, escalations and reports stay.
REMINDER_KINDS = frozenset({REMINDER_DUE_7, REMINDER_DUE_1, REMINDER_OVERDUE})
LEAD_KINDS = (PERIOD_OPEN, *sorted(REMINDER_KINDS))
PERIOD_KINDS = frozenset({*LEAD_KINDS, ESCALATION})
# Improvement actions: reminders to an action's owner (who may switch them off) and the
# weekly digest of open actions for team leads (who opt in).
ACTION_DUE_7 = "action_due_7"
ACTION_OVERDUE = "action_overdue"
ACTION_DIGEST = "action_digest"
ACTION_REMINDER_KINDS = frozenset({ACTION_DUE_7, ACTION_OVERDUE})
# Initiatives: a manager's click reminds each lead of a team behind the initiative's pace.
INITIATIVE_REMINDER = "initiative_reminder"
# Reviews: the reviewer's decision to the lead who submitted (a return cannot be switched
# off: the team must answer the comments; an acceptance can), and reviewers' digests of the
# submissions (daily) and the exemption requests (weekly) waiting in their units.
REVIEW_RETURNED = "review_returned"
REVIEW_ACCEPTED = "review_accepted"
REVIEW_DIGEST = "review_digest"
EXEMPTION_DIGEST = "exemption_digest"
