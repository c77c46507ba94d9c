"""360° feedback arithmetic: per-competency averages by source, which sources may be shown,
and the review's competency score combined from the sources with their weights.

Sources are the reviewee themself (``self``), their manager (``manager``) and the raters of
feedback requests: ``peers``, ``reports`` (direct reports, the upward review) and ``others``
(cross-functional colleagues). Ratings are on the review's 1..scale_max scale; empty or 0 is
not rated.

Anonymity: in an anonymous cycle a rater source counts only once it has at least
``threshold`` responses for the review. Below that it is neither shown nor used in the score
(a combined score with one peer's ratings in it would give that peer's ratings away to anyone
who knows the self and manager ratings). Self and manager are one named person each and are
never held back. A named cycle has no threshold.

Combining: per competency, the weighted mean of the source averages present, each source
with its cycle weight. A missing source (no rating, or held back) leaves out its weight and
the others' weights are scaled up in proportion: weights 10/40/30/20/0 with no reports become
10/40/30 out of 80, that is 12.5/50/37.5. The review's competency score is then the
competency-weighted mean of those combined ratings, as a percentage of the scale's top, like
`engine.reviews.competency_scores`.
"""

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from kpibsc.engine.errors import EngineError, _
from kpibsc.engine.reviews import ratings_array

SOURCES = ("self", "manager", "peers", "reports", "others")
RATER_SOURCES = ("peers", "reports", "others")
# the request's Source option -> the engine's source
REQUEST_SOURCES = {"Peer": "peers", "Direct Report": "reports", "Cross-functional": "others"}
DEFAULT_THRESHOLD = 3


class FeedbackError(EngineError):
	pass


def check_weights(weights: Mapping[str, float]) -> dict[str, float]:
	"""Source weights: none negative, adding up to 100."""
	values = {source: float(weights.get(source) or 0.0) for source in SOURCES}
	if any(value < 0 for value in values.values()):
		raise FeedbackError(_("Feedback source weights may not be negative."))
	total = sum(values.values())
	if abs(total - 100.0) > 1e-6:
		raise FeedbackError(_("The feedback source weights must add up to 100, not {0}."), round(total, 2))
	return values


def source_averages(responses: pd.DataFrame) -> pd.DataFrame:
	"""Per (review, source, competency): the mean rating and how many responses rated it.

	`responses` has columns review, response (one id per rater's response, the review itself
	for self and manager), source, competency, rating. Unrated rows are left out."""
	columns = ["review", "source", "competency", "average", "ratings"]
	if responses.empty:
		return pd.DataFrame(columns=columns)
	frame = responses.assign(rating=ratings_array(responses["rating"]))
	frame = frame.dropna(subset=["rating"])
	if frame.empty:
		return pd.DataFrame(columns=columns)
	grouped = frame.groupby(["review", "source", "competency"], sort=False)["rating"].agg(["mean", "size"])
	return grouped.rename(columns={"mean": "average", "size": "ratings"}).reset_index()[columns]


def response_counts(responses: pd.DataFrame) -> pd.DataFrame:
	"""Per (review, source): how many distinct responses rated at least one competency."""
	if responses.empty:
		return pd.DataFrame(columns=["review", "source", "responses"])
	frame = responses.assign(rating=ratings_array(responses["rating"])).dropna(subset=["rating"])
	counts = frame.groupby(["review", "source"], sort=False)["response"].nunique()
	return counts.rename("responses").reset_index()


def visible_averages(responses: pd.DataFrame, anonymous: bool, threshold: int) -> pd.DataFrame:
	"""source_averages without the rater sources that have fewer than `threshold` responses
	for their review, in an anonymous cycle. Self and manager always pass."""
	averages = source_averages(responses)
	if not anonymous or averages.empty:
		return averages
	if int(threshold) < 1:
		raise FeedbackError(_("The anonymity threshold must be at least 1, not {0}."), threshold)
	counts = response_counts(responses)
	averages = averages.merge(counts, on=["review", "source"], how="left")
	keep = ~averages["source"].isin(RATER_SOURCES) | (averages["responses"] >= int(threshold))
	return averages[keep].drop(columns="responses").reset_index(drop=True)


def combined_ratings(averages: pd.DataFrame, weights: Mapping[str, float]) -> pd.DataFrame:
	"""Per (review, competency): the source-weighted mean of the source averages present,
	the weights of missing sources shared out in proportion (renormalised). NaN when every
	present source weighs 0."""
	weights = check_weights(weights)
	if averages.empty:
		return pd.DataFrame(columns=["review", "competency", "rating"])
	frame = averages.assign(weight=averages["source"].map(weights).fillna(0.0).astype(float))
	frame = frame.assign(weighted=frame["weight"] * frame["average"].astype(float))
	sums = frame.groupby(["review", "competency"], sort=False)[["weighted", "weight"]].sum()
	rating = sums["weighted"] / sums["weight"].where(sums["weight"] > 0)
	return rating.rename("rating").reset_index()


def feedback_competency_scores(
	responses: pd.DataFrame,
	competencies: pd.DataFrame,
	weights: Mapping[str, float],
	scale_max: int,
	anonymous: bool = True,
	threshold: int = DEFAULT_THRESHOLD,
) -> pd.Series:
	"""The competency score of each review (in percent of the scale's top) from all sources.

	`responses` as for source_averages (self and manager ratings included as the sources
	``self`` and ``manager``); `competencies` has columns review, competency, weight: the
	review's competencies and their weights. NaN for a review with nothing rated."""
	reviews = pd.unique(competencies["review"]) if not competencies.empty else []
	averages = visible_averages(responses, anonymous, threshold)
	combined = combined_ratings(averages, weights)
	if combined.empty:
		return pd.Series(np.nan, index=pd.Index(reviews, name="review"), dtype=float)
	frame = competencies[["review", "competency", "weight"]].merge(
		combined, on=["review", "competency"], how="inner"
	)
	frame = frame.assign(weight=pd.to_numeric(frame["weight"], errors="coerce").fillna(0.0))
	if (frame["weight"] < 0).any():
		raise FeedbackError(_("Competency weights may not be negative."))
	frame = frame.dropna(subset=["rating"])
	frame = frame.assign(weighted=frame["weight"] * frame["rating"])
	sums = frame.groupby("review", sort=False)[["weighted", "weight"]].sum()
	scores = sums["weighted"] / sums["weight"].where(sums["weight"] > 0) / float(scale_max) * 100.0
	return scores.reindex(reviews).astype(float)


def review_responses(
	review: str,
	competencies: Sequence[Mapping],
	requests: Sequence[Mapping],
) -> pd.DataFrame:
	"""The responses frame of one review: its competency rows (competency, self_rating,
	manager_rating) as the self and manager sources, and the submitted requests' ratings
	(request, source as on the request, competency, rating)."""
	rows = []
	for row in competencies:
		rows.append((review, review + ":self", "self", row["competency"], row.get("self_rating")))
		rows.append((review, review + ":manager", "manager", row["competency"], row.get("manager_rating")))
	for row in requests:
		source = REQUEST_SOURCES.get(row["source"])
		if source is None:
			raise FeedbackError(_("{0} is not a feedback source."), row["source"])
		rows.append((review, row["request"], source, row["competency"], row.get("rating")))
	return pd.DataFrame(rows, columns=["review", "response", "source", "competency", "rating"])
