"""The check-in API (issue 9 Part 2; DESIGN §5 ``/api/v1/checkin``) and the check-in page."""
