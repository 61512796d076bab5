"""The Searcher: one loaded index and the encoder that embeds its questions.

Open once (``Searcher.open``), then ``search`` many times. Scores are computed and fused by
the pure functions of ``ranking``; this module takes its rows from ``candidates`` and
builds the hits. Whether a question speaks of danger is the rules' and ``danger``'s to say.
Opening never imports torch: questions are embedded by the ONNX export ingest made.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from . import adapter, answer_model, danger, memory
from . import crisis as crisis_mode
from .candidates import Filters, candidates
from .cpu import one_blas_thread
from .encoder import OnnxEncoder
from .index import SearchIndex
from .manifest import damaged
from .query import (  # noqa: F401 (QueryError, prepare_query: re-exported for callers)
    QueryError,
    prepare_earlier,
    prepare_query,
    thread_side,
    thread_vector,
)
from .question import QuestionReading, asks_why, read_question
from .ranking import (
    RankSettings,
    diversify,
    fuse,
    kind_penalties,
    perspective_bonus,
    role_penalties,
    sentence_scores,
)
from .records import PASSAGE_KINDS, Hit, SearchResult
from .safety import CrisisAssessment
from .staleness import CorpusStatus, corpus_status
from .text import normalise
from .verdict import combined_values, decide, topic_terms
from .words import question_words

_BM25_THREADS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="bm25")

# How many (remembered question, passage) answers ``_memory_votes`` keeps before starting over.
_HOLDS_KEPT = 200_000


class Searcher:
    """Answers questions from one index build."""

    def __init__(
        self, index: SearchIndex, encoder: OnnxEncoder, *, settings: RankSettings | None = None
    ) -> None:
        one_blas_thread()  # small products: a second BLAS thread only contends (cpu.py)
        self.index = index
        self.encoder = encoder
        self.settings = settings or RankSettings()
        self._kind_penalty = kind_penalties(list(PASSAGE_KINDS))
        # Issue 9: what each passage does for a reader (roles.py), read at ingest.
        self.readings = index.readings
        topic = np.asarray(index.topic, dtype=np.float32)
        self._topic = (topic / (np.linalg.norm(topic) or 1.0)).astype(np.float32)
        self._cache: dict[tuple[str, float], frozenset[str]] = {}
        self.adapter = adapter.load()  # read once; applied when settings.query_adapter
        self.memory = memory.load()  # read once; votes when settings.memory_weight
        self._holds: dict[tuple[int, int], bool] = {}  # (remembered question, row): holds anchor
        # An article line holds its whole text: decoded once, not once per hit.
        self._article = lru_cache(maxsize=1024)(index.articles.__getitem__)
        # A passage's text as gold anchors are matched (memory.py); the same few come up often.
        self._normalised_text = lru_cache(maxsize=4096)(
            lambda row: normalise(index.passages[row].text)
        )

    @classmethod
    def open(cls, index_dir: Path, *, settings: RankSettings | None = None) -> Searcher:
        """Load the build in use; IndexUnavailable (or IndexMismatch) if it cannot be used.

        The model export is checked while ONNX Runtime loads it, on the other core (hashing
        and the session both leave the interpreter free): the check costs no time.
        """
        index = SearchIndex.open(index_dir, model_export=False)
        manifest, path = index.manifest, index.path
        assert manifest is not None and path is not None
        with ThreadPoolExecutor(max_workers=1) as pool:
            checked = pool.submit(manifest.check_export, path)
            try:
                encoder = OnnxEncoder(manifest.export_dir(path))
            except Exception as error:  # not the model recorded, or unreadable anyway
                checked.result()
                raise damaged(path, error) from None
            checked.result()  # IndexUnavailable if the export is not the one recorded
        return cls(index, encoder, settings=settings)

    @property
    def build(self) -> str:
        """The name of the build this searcher answers from."""
        return self.index.path.name if self.index.path is not None else ""

    def with_settings(self, settings: RankSettings) -> Searcher:
        """The same loaded index ranked with other settings (for evaluation)."""
        other = copy.copy(self)  # shares the loaded arrays, model and index
        other.settings = settings
        return other

    def with_adapter(self, query_adapter: adapter.QueryAdapter) -> Searcher:
        """The same loaded index ranked with another query adapter (for fitting it)."""
        other = copy.copy(self)
        other.adapter = query_adapter
        return other

    def with_memory(self, question_memory: memory.QuestionMemory) -> Searcher:
        """The same loaded index ranked with another question memory (for measuring it)."""
        other = copy.copy(self)
        other.memory = question_memory
        other._holds = {}
        return other

    def ranking_vector(self, question: str, after: str | None = None) -> np.ndarray:
        """The vector ``search`` ranks ``question`` with (what the adapter is fitted on, when
        the settings switch it off)."""
        query, _ = prepare_query(question)
        earlier = prepare_earlier(after) if self.settings.follow_ups else None
        return self._question_vector(read_question(query), earlier)[0]

    def corpus_status(self, corpus_dir: Path) -> CorpusStatus:
        assert self.index.manifest is not None
        return corpus_status(self.index.manifest, corpus_dir)

    def search(
        self,
        question: str,
        *,
        k: int = 5,
        filters: Filters | None = None,
        after: str | None = None,
    ) -> SearchResult:
        """The best ``k`` passages for ``question``; QueryError for an empty question.

        ``after``: the earlier question of the thread, when the asker says this one follows
        it (query.py); None, empty or wordless: the question is read alone.
        """
        query, notices = prepare_query(question)
        earlier = prepare_earlier(after) if self.settings.follow_ups else None
        k = max(1, min(int(k), 50))
        reading = read_question(query)
        # BM25 adds up its lists on the other core while ONNX Runtime embeds the question
        # (both leave the interpreter lock): at a million passages each takes a few ms.
        lexical_match = self.index.lexical.match(query)
        lexical_ready = _BM25_THREADS.submit(lambda: lexical_match.scores)
        vector, plain, words, read = self._question_vector(reading, earlier)
        lexical_ready.result()
        assessment = self._assessment(query, earlier, read)
        crisis = assessment.is_crisis
        rows = candidates(self.index, vector, lexical_match, filters, self.settings.candidates)
        if not rows.size:
            return SearchResult(query, (), False, crisis, notices, after=earlier)
        passage_vectors = self.index.passage_vectors(rows)
        dense = passage_vectors @ vector
        self.readings.ensure(rows)
        lo, hi = self.index.sentence_bounds
        mask = self.readings.hollow if self.settings.use_roles else None
        sentences = sentence_scores(
            self.index.sentence_vectors, lo[rows], hi[rows], vector, hollow=mask
        )
        lexical = lexical_match.scores_of(rows)
        roles = self.readings.roles(rows) if self.settings.use_roles else None
        adjustment = self._adjustment(rows, roles, reading, earlier) - self._word_bonus(
            rows, roles, words
        )
        if self.settings.memory_weight:  # memory.py: questions answered before vote
            adjustment = adjustment - self.settings.memory_weight * self._memory_votes(rows, plain)
        fused = fuse(dense, sentences.best, lexical, adjustment, self.settings)
        fused = np.nan_to_num(fused, nan=0.0, posinf=0.0, neginf=0.0)  # NaN is not JSON
        order = [int(i) for i in np.argsort(-fused, kind="stable")]
        safety = crisis_mode.decide(assessment, self.readings.persuasion[rows].tolist())
        if safety.safety_first and self.settings.safety_first:  # issue 9: crisis.py
            order = [i for i in order if safety.keep[i]] or order
            notices = (*notices, safety.notice or "")
        if self.settings.diversify:
            order = diversify(
                order,
                [int(a) for a in self.index.passage_article[rows]],
                passage_vectors,
                self.settings,
                limit=k,
                scores=fused,
            )
        hits = []
        for rank, i in enumerate(order[:k], start=1):
            signals = {"dense": dense[i], "sentence": sentences.best[i], "lexical": lexical[i]}
            hits.append(self._hit(rank, int(rows[i]), fused[i], sentences.best_row(i), signals))
        # The verdict reads the question as asked, without the focus on its asking sentences
        # or the adapter: both reorder the passages, and the verdict's bars were set on plain
        # cosines (the focus matches every passage less closely: EXPERIMENTS §2).
        if plain is not vector:
            dense = passage_vectors @ plain
            sentences = sentence_scores(
                self.index.sentence_vectors, lo[rows], hi[rows], plain, hollow=mask
            )
        best, best_sentence = float(fused[order[0]]), float(sentences.best.max())
        # How well anything matches, before roles and perspective reorder what matches.
        matches = fuse(
            dense,
            sentences.best,
            lexical,
            self._penalties(rows),
            self.settings,
            weights=self.settings.verdict_weights,
        )
        # answer_model.py: among questions like those it was fitted on, a passage near the
        # question must also read as answering it (the rules see topic, facts and people); a
        # high score vouches for a match the bars call weak. With a combination, the score,
        # the memory and the rules' readings are weighed together instead.
        gate = float(self.adapter.gate(plain))
        model = answer_model.load() if self.settings.answer_model else None
        combination = self._combination(model)
        answer_score = answered = None
        if model is not None and (
            combination is not None or gate >= self.settings.answer_model_near
        ):
            near = passage_vectors[
                np.argsort(-dense, kind="stable")[: self.settings.answer_model_reach]
            ]
            remembered = (
                self.memory.readings(plain, model.memory_neighbours, answer_model.SHARE_FEW)
                if self.settings.answer_memory
                else None
            )
            share = remembered.share if remembered else None
            best_answer = model.best(plain, near)
            answered, answer_score = model.weigh(best_answer, share)
        vouch = self.settings.answer_model_vouch
        rules = decide(
            reading,
            hits,
            matches=matches,
            best_sentence=best_sentence,
            dense=dense,
            lexical_scores=lexical,
            lexical=self.index.lexical,
            topic=self._topic_terms(),
            settings=self.settings,
            vouched=answer_score is not None and vouch is not None and answer_score >= vouch,
        )
        confident, features = rules.confident, rules.features
        combined = None
        if combination is not None:
            values = combined_values(
                rules,
                score=best_answer,
                memory=remembered,
                gate=gate,
            )
            # Where the gate lets the question in, the combination decides; below it, on
            # another topic, the rules do, and the combination can only add what it is sure of
            # (its readings were learned on this library's questions: EXPERIMENTS section 20).
            near_enough = gate >= self.settings.answer_model_near
            margin = 0.0 if near_enough else self.settings.answer_combined_margin
            answered, combined = combination.answers(values, margin)
            answered = answered and not rules.other_people
            confident = answered if near_enough else confident or answered
        elif answered is not None:
            confident = confident and answered
        signals = {
            "best_score": best,
            "best_sentence": best_sentence,
            "best_dense": float(dense.max()),
            **features.as_dict(),
            "weak": float(rules.weak),
            "people_rule": float(rules.other_people),
            **({"answer_score": answer_score} if answer_score is not None else {}),
            **({"answer_combined": combined} if combined is not None else {}),
        }
        safety_first = safety.safety_first and self.settings.safety_first
        confident = confident and not safety_first
        return SearchResult(
            query,
            tuple(hits),
            confident,
            crisis,
            notices,
            signals,
            safety_first=safety_first,
            after=earlier,
        )

    # ---- issue 9: the question as read (question.py) and the passages' roles (roles.py) ----

    def assess(self, question: str, after: str | None = None) -> CrisisAssessment:
        """Whether ``question`` (read after ``after``) speaks of danger, as a search decides."""
        query, _ = prepare_query(question)
        earlier = prepare_earlier(after) if self.settings.follow_ups else None
        texts = [query, earlier] if earlier else [query]
        return self._assessment(query, earlier, self.encoder.encode(texts))

    def _assessment(self, query: str, earlier: str | None, read: np.ndarray) -> CrisisAssessment:
        model = danger.load() if self.settings.danger_model else None
        return danger.thread_danger(
            query,
            earlier,
            read,
            model,
            encode=self.encoder.encode,
            sentence_margin=self.settings.danger_sentence_margin,
            sentence_reach=self.settings.danger_sentence_reach,
        )

    def _question_vector(
        self, reading: QuestionReading, earlier: str | None
    ) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray], np.ndarray]:
        """The question embedded to rank with, the same without the focus and the adapter
        (the very array when there is neither), its content words (vocabulary ids, unit
        states) for the word match, and the plain vectors of the question and the earlier
        one. The sentences that ask are weighed in with the story, a follow-up leans towards
        the ``earlier`` question it follows, and the adapter moves the result towards how
        advice is written (adapter.py)."""
        wanted = self.settings.focus_weight > 0 and reading.words >= self.settings.focus_min_words
        focus = reading.focus if wanted else None
        texts = [reading.text, focus] if focus else [reading.text]
        encoded, tokens = self.encoder.encode_with_tokens(texts + [earlier] if earlier else texts)
        plain = self._query_vector(encoded[0], reading, encoded[-1] if earlier else None)
        vector = plain
        if focus:
            mixed = (1 - self.settings.focus_weight) * encoded[0] + (
                self.settings.focus_weight * encoded[1]
            )
            vector = self._query_vector(mixed, reading, encoded[-1] if earlier else None)
        if self.settings.query_adapter:
            vector = self.adapter.apply(vector)  # to rank with; ``plain`` stays for the verdict
        words = question_words(tokens[0].ids, tokens[0].states, self.encoder.vocabulary)
        read = encoded[[0, -1]] if earlier else encoded[:1]
        return vector, plain, words, read

    def _query_vector(
        self, vector: np.ndarray, reading: QuestionReading, earlier: np.ndarray | None
    ) -> np.ndarray:
        """``vector`` with the library's topic for a short question, unit length, then
        leaning towards the ``earlier`` question's vector of a follow-up."""
        if reading.words <= self.settings.short_words and self.settings.short_topic_weight:
            vector = vector + self.settings.short_topic_weight * self._topic
        vector = (vector / (np.linalg.norm(vector) or 1.0)).astype(np.float32)
        if earlier is not None:
            vector = thread_vector(vector, earlier, self.settings.follow_up_weight)
        return vector

    def _word_bonus(
        self,
        rows: np.ndarray,
        roles: Sequence[str] | None,
        words: tuple[np.ndarray, np.ndarray],
    ) -> np.ndarray:
        """What each candidate gains for using the question's words (words.py), centred.

        A passage whose role is penalised (roles.py: restating the problem, selling, a lost
        list, a bio) gains nothing by it: an intro restating the reader's problem uses the
        reader's words most of all.
        """
        ids, states = words
        if not self.settings.word_weight or not len(ids):
            return np.zeros(len(rows), np.float32)
        match = self.index.words.match(rows, states, ids)
        bonus = self.settings.word_weight * (match - match.mean())
        if roles is not None:
            pushed_down = role_penalties(roles, self.settings) > 0
            bonus = np.where(pushed_down, np.minimum(bonus, 0.0), bonus)
        return bonus.astype(np.float32)

    def _memory_votes(self, rows: np.ndarray, plain: np.ndarray) -> np.ndarray:
        """Each candidate's share of the votes of the remembered questions near the question
        (memory.py); the plain vector, as the memory holds the questions as asked."""
        candidates = [int(row) for row in rows]
        known, remembered = self._holds, self.memory

        def holds(question: int, i: int) -> bool:  # the same pairs come up again and again
            key = (question, candidates[i])
            found = known.get(key)
            if found is None:
                if len(known) >= _HOLDS_KEPT:
                    known.clear()
                text = self._normalised_text(candidates[i])
                found = known[key] = remembered.holds(question, text)
            return found

        settings = self.settings
        return remembered.votes(
            plain, len(candidates), holds, settings.memory_neighbours, settings.memory_floor
        )

    def _penalties(self, rows: np.ndarray) -> np.ndarray:
        """What each candidate loses for not being advice (bios, disclaimers)."""
        return self._kind_penalty[self.index.passage_kind[rows]]

    def _adjustment(
        self,
        rows: np.ndarray,
        roles: Sequence[str] | None,
        reading: QuestionReading,
        earlier: str | None,
    ) -> np.ndarray:
        """What is subtracted from each candidate's score: its role (``roles``, None when
        roles are off), and the asker's side."""
        if roles is not None:
            penalty = role_penalties(roles, self.settings, asks_why=asks_why(reading))
        else:
            penalty = self._penalties(rows)
        side = thread_side(reading.text, earlier) if self.settings.perspective_weight else ""
        to_asked, persuasion = self.readings.to_asked[rows], self.readings.persuasion[rows]
        return penalty - perspective_bonus(to_asked, persuasion, side, self.settings)

    def _combination(
        self, model: answer_model.AnswerModel | None
    ) -> answer_model.Combination | None:
        """The answer check's combination, where it decides: the shipped model has one, the
        settings ask for it, the memory is read and the rules check answers at all."""
        settings = self.settings
        if model is None or not settings.answer_combined or not settings.answer_memory:
            return None
        if not settings.answer_check or settings.learned_verdict:
            return None
        return model.combination

    def _topic_terms(self) -> frozenset[str]:
        """Stems so many passages use that they are the library's topic, not a question's."""
        key = ("topic", self.settings.topic_share)
        if key not in self._cache:
            self._cache[key] = topic_terms(self.index.lexical, self.settings.topic_share)
        return self._cache[key]

    def _hit(
        self, rank: int, row: int, score: float, sentence: int | None, signals: dict[str, Any]
    ) -> Hit:
        """Hit number ``rank``: passage ``row``, its best sentence (a sentence row) marked."""
        passage = self.index.passages[row]
        span = self.index.sentence_rows[sentence, 1:] if sentence is not None else None
        return Hit(
            rank=rank,
            score=float(score),
            passage=passage,
            article=self._article(int(self.index.passage_article[row])),
            highlight=(int(span[0]), int(span[1])) if span is not None else None,
            signals={name: float(value) for name, value in signals.items()},
        )
