"""The five faces: large where the screen has room, each different in brows, eyes and mouth, drawn
with signs every console font has, all of a row the same size."""

from __future__ import annotations

from itertools import combinations

import pytest

from screens.widgets import FACE_DRAWINGS, FaceTarget
from tests.pilot import SIZES, build, screen_text, settle, tap_on, visible_targets
from tests.test_themes import ALLOWED

def drawn_face(app, face: FaceTarget) -> list[str]:
    """The rows of the face's drawing as on screen: the target's inside, above its word."""
    region = face.content_region
    rows = [line[region.x:region.right] for line in screen_text(app).splitlines()[region.y:region.bottom]]
    return [row for row in rows if row.strip() and face.text.split()[0] not in row]


FACES = list(FACE_DRAWINGS)
MOUTH_ROWS = ({3, 4}, {2}, {1})  # in each size, largest first


@pytest.mark.parametrize("size", range(3), ids=["large", "medium", "small"])
def test_any_two_faces_differ_in_more_than_the_mouth(size):
    """Brows or eyes differ too, so that a face reads from a step away before its word does."""
    for first, second in combinations(FACES, 2):
        differ = {row for row, (one, other) in enumerate(zip(FACE_DRAWINGS[first][size], FACE_DRAWINGS[second][size]))
                  if one != other}
        assert differ - MOUTH_ROWS[size], f"{first} and {second} differ only in the mouth"


def test_every_drawing_is_square_and_drawn_with_signs_every_console_font_has():
    for face, drawings in FACE_DRAWINGS.items():
        assert [len(drawing) for drawing in drawings] == [6, 3, 2], face
        for drawing in drawings:
            assert len({len(row) for row in drawing}) == 1, f"{face}: rows of different widths"
            assert set("".join(drawing)) <= ALLOWED, f"{face}: {set(''.join(drawing)) - ALLOWED}"


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
async def test_the_faces_are_as_large_as_the_screen_allows_and_alike_in_size(config, size):
    app = build(config)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await tap_on(pilot, id="start")
        faces = [target for target in visible_targets(app) if isinstance(target, FaceTarget)]
        drawings = [drawn_face(app, face) for face in faces]
        assert len({len(drawing) for drawing in drawings}) == 1, drawings
        rows = len(drawings[0])
        # Two rows on the kiosk's panel, where a face target has three inside; six elsewhere.
        assert rows == (2 if size == (50, 15) else 6), drawings[0]
        for face, drawing in zip(faces, drawings):
            expected = FACE_DRAWINGS[face.face][0 if rows == 6 else 2]
            assert [row.strip() for row in drawing] == [row.strip() for row in expected]
            assert face.text in screen_text(app)  # the word, whole, below it
