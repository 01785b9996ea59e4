"""The kiosk's side of sync: the uploader that moves sealed envelopes to the provider, the
HTTP client under it, and the enrolment client (`kiosk enroll`)."""
