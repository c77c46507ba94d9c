"""360° feedback arithmetic (engine/feedback.py), checked by hand."""

import numpy as np
import pandas as pd
import pytest

from kpibsc.engine.feedback import (
	FeedbackError,
	check_weights,
	combined_ratings,
	feedback_competency_scores,
	review_responses,
	source_averages,
	visible_averages,
)

WEIGHTS = {"self": 10, "manager": 40, "peers": 30, "reports": 20, "others": 0}
COLUMNS = ["review", "response", "source", "competency", "rating"]


def frame(rows):
	return pd.DataFrame(rows, columns=COLUMNS)


def one_review(peers=((4, 3), (5, 4), (3, 5)), reports=()):
	"""R1 with competencies T (weight 60) and O (40): self 5/4, manager 4/3, then raters."""
	rows = [
		("R1", "R1:self", "self", "T", 5),
		("R1", "R1:self", "self", "O", 4),
		("R1", "R1:manager", "manager", "T", 4),
		("R1", "R1:manager", "manager", "O", 3),
	]
	for index, (t, o) in enumerate(peers):
		rows += [("R1", f"P{index}", "peers", "T", t), ("R1", f"P{index}", "peers", "O", o)]
	for index, (t, o) in enumerate(reports):
		rows += [("R1", f"D{index}", "reports", "T", t), ("R1", f"D{index}", "reports", "O", o)]
	return frame(rows)


COMPETENCIES = pd.DataFrame({"review": ["R1", "R1"], "competency": ["T", "O"], "weight": [60, 40]})


def test_source_averages_per_competency():
	averages = source_averages(one_review()).set_index(["source", "competency"])
	# peers on T: (4 + 5 + 3) / 3 = 4; on O: (3 + 4 + 5) / 3 = 4
	assert averages.loc[("peers", "T"), "average"] == pytest.approx(4.0)
	assert averages.loc[("peers", "O"), "average"] == pytest.approx(4.0)
	assert averages.loc[("peers", "T"), "ratings"] == 3
	assert averages.loc[("self", "T"), "average"] == pytest.approx(5.0)


def test_unrated_and_zero_ratings_are_left_out():
	rows = frame(
		[("R1", "P1", "peers", "T", 4), ("R1", "P2", "peers", "T", 0), ("R1", "P3", "peers", "T", None)]
	)
	averages = source_averages(rows)
	assert averages["average"].tolist() == [4.0]
	assert averages["ratings"].tolist() == [1]


def test_anonymous_source_below_threshold_is_held_back():
	responses = one_review(peers=((4, 3), (5, 4)), reports=((2, 2), (3, 3), (4, 4)))
	shown = visible_averages(responses, anonymous=True, threshold=3)
	# two peers < 3: peers gone; three reports pass; self and manager always pass
	assert set(shown["source"]) == {"self", "manager", "reports"}
	named = visible_averages(responses, anonymous=False, threshold=3)
	assert set(named["source"]) == {"self", "manager", "peers", "reports"}


def test_combined_rating_redistributes_missing_weights():
	# no reports: weights 10 / 40 / 30 out of 80
	combined = combined_ratings(source_averages(one_review()), WEIGHTS).set_index("competency")["rating"]
	# T: (10*5 + 40*4 + 30*4) / 80 = 330 / 80 = 4.125; O: (10*4 + 40*3 + 30*4) / 80 = 280 / 80 = 3.5
	assert combined["T"] == pytest.approx(4.125)
	assert combined["O"] == pytest.approx(3.5)


def test_review_competency_score_from_all_sources():
	scores = feedback_competency_scores(one_review(), COMPETENCIES, WEIGHTS, 5, anonymous=True, threshold=3)
	# (60 * 4.125 + 40 * 3.5) / 100 = 3.875 of 5 = 77.5 %
	assert scores["R1"] == pytest.approx(77.5)


def test_held_back_source_does_not_count_in_the_score():
	responses = one_review(peers=((1, 1), (1, 1)))  # two peers: below 3
	scores = feedback_competency_scores(responses, COMPETENCIES, WEIGHTS, 5, anonymous=True, threshold=3)
	# only self and manager, 10 / 40 of 50: T (50 + 160) / 50 = 4.2, O (40 + 120) / 50 = 3.2
	# (60 * 4.2 + 40 * 3.2) / 100 = 3.8 of 5 = 76 %
	assert scores["R1"] == pytest.approx(76.0)
	named = feedback_competency_scores(responses, COMPETENCIES, WEIGHTS, 5, anonymous=False)
	# named: peers 1 / 1 count: T (50 + 160 + 30) / 80 = 3, O (40 + 120 + 30) / 80 = 2.375
	# (60 * 3 + 40 * 2.375) / 100 = 2.75 of 5 = 55 %
	assert named["R1"] == pytest.approx(55.0)


def test_nothing_rated_gives_no_score():
	empty = frame([("R1", "R1:self", "self", "T", None)])
	scores = feedback_competency_scores(empty, COMPETENCIES, WEIGHTS, 5)
	assert np.isnan(scores["R1"])


def test_weights_must_add_up_to_100_and_not_be_negative():
	with pytest.raises(FeedbackError, match="add up to 100"):
		check_weights({"self": 10, "manager": 40})
	with pytest.raises(FeedbackError, match="negative"):
		check_weights({"self": -10, "manager": 110})
	assert check_weights({"manager": 100})["peers"] == 0.0


def test_review_responses_maps_request_sources():
	responses = review_responses(
		"R1",
		[{"competency": "T", "self_rating": 5, "manager_rating": 4}],
		[
			{"request": "Q1", "source": "Peer", "competency": "T", "rating": 3},
			{"request": "Q2", "source": "Direct Report", "competency": "T", "rating": 2},
			{"request": "Q3", "source": "Cross-functional", "competency": "T", "rating": 1},
		],
	)
	assert responses["source"].tolist() == ["self", "manager", "peers", "reports", "others"]
	with pytest.raises(FeedbackError):
		review_responses("R1", [], [{"request": "Q", "source": "Boss", "competency": "T", "rating": 1}])
