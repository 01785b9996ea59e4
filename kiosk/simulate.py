"""`kiosk simulate N`: synthetic visits through the same visit and recorder as the app's,
for load tests and for checking a new installation end to end.

Every response is marked synthetic (`flags.synthetic`), so the provider can leave it out
of every report. Answers vary with a seeded random, so a run can be repeated. Reply
requests carry addresses in the `.invalid` domain, which can never reach anyone.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from kiosk.config import KioskConfig
from kiosk.errors import UserError
from kiosk.guard import Contact
from kiosk.recorder import Recorder, RecordingFailed
from kiosk.visit import Visit, VisitRules
from kiosk.survey import Question, Survey

TEXT_SHARE = 0.3
REPLY_SHARE = 0.05
SYNTHETIC_TEXTS = (
    "Simuloitu palaute: odotus oli lyhyt.",
    "Simuloitu palaute: ilmoittautuminen oli helppoa.",
    "Simulerad respons: väntan var lång.",
    "Synthetic feedback: the signs were hard to follow.",
)


@dataclass(frozen=True)
class Simulated:
    survey: Survey
    responses: int
    with_text: int
    reply_requests: int
    queue_depth: int  # envelopes waiting in the outbox afterwards


def simulate(config: KioskConfig, count: int, *, seed: int = 0) -> Simulated:
    """Record `count` synthetic visits into the kiosk's outbox, with the survey and key in use
    (a waiting bundle is applied first, as at the welcome screen)."""
    from kiosk.bundles import BundleStore, bundle_public_key, survey_in_use
    from kiosk.outbox import OutboxError

    store = BundleStore.for_config(config)
    bundle = store.apply_pending() or store.current()
    survey = survey_in_use(config, bundle)
    languages = [code for code in config.languages if code in survey.languages] or list(survey.languages)
    rng = random.Random(seed)
    rules = VisitRules.from_config(config, synthetic=True)
    recorder = Recorder(config)
    if bundle:
        recorder.use_key(bundle_public_key(bundle))
    try:
        # Opened first: a kiosk running here holds it, and that is one clear error.
        queued = len(recorder.outbox)
        with_text = reply_requests = 0
        for number in range(count):
            visit = Visit(survey, rules, language=rng.choice(languages))
            question = visit.start()
            while question is not None:
                question = _answer(visit, question, rng, number)
            with_text += any(survey.question(key).type == "text" for key in visit.answers)
            records = visit.end()
            reply_requests += len(records) - 1
            recorder.record(records)
            queued += len(records)
    except (OutboxError, RecordingFailed) as error:
        raise UserError(f"cannot record: {error}", file=config.outbox_dir) from None
    finally:
        recorder.close()
    return Simulated(survey, count, with_text, reply_requests, queued)


def _answer(visit: Visit, question: Question, rng: random.Random, number: int) -> Question | None:
    if question.type == "text":
        if question.optional and rng.random() >= TEXT_SHARE:
            return visit.skip()
        return visit.answer(rng.choice(SYNTHETIC_TEXTS))
    if question.type == "reply":
        if question.optional and rng.random() >= REPLY_SHARE:
            return visit.skip()
        return visit.request_reply(Contact("email", f"simulated-{number}@example.invalid"))
    if question.type == "multi":
        chosen = rng.sample(question.options, rng.randint(1, question.max_choices or len(question.options)))
        return visit.answer(tuple(option.value for option in chosen))
    return visit.answer(rng.choice(question.options).value)
