"""Synthetic ic16 datasets of any size, for the benchmark: our ontology, our graph layout.

`generate(triples, seed, out)` writes N-Quads shaped like a build of the repository: the
ontology graph, data graphs that each state their source (`<graph> ic16:statedIn …`), and the
`graph/inferred` graph. Regions with their municipalities, ecosystem agreements, focus-area
themes with sub-themes, organisations based in the municipalities, people holding posts, lead
projects joining organisations of several regions, their work packages and events, and the
source documents; labels in Finnish, Swedish and English. The same seed gives the same bytes.

owlrl would take hours at a million triples, so the inferred graph is computed here by the
ontology's own rules, compiled by `reasoning.Rules` (as the build does) from the OWL-RL closure of
the ontology alone: types up the class hierarchy (equivalences included), super-properties,
inverses, domains and ranges, the two property chains (involvesMunicipality, involvesCityRegion)
and the defined class Innokaupunki. Entities are written in dependency order (places, then
organisations, then the projects that join them), so one pass sees every premise before its
consequence.

    .venv/bin/python bench/generate.py --triples 100000 --output bench/data/synthetic-100k.nq
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from rdflib import Graph
from rdflib.compare import to_canonical_graph
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from ic16graph.reasoning import Rules, reason
from ic16graph.vocabulary import DEFAULT_BASE_IRI, INFERRED, graph_iri, prefixes

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY = ROOT / "ontology" / "ic16.ttl"
TYPE = f"<{RDF.type}>"
_TOP = (OWL.Thing, RDFS.Resource)
_P = prefixes(DEFAULT_BASE_IRI)

TOPICS = (  # (fi, sv, en): lead themes, focus areas and project names draw on them
    ("vety", "väte", "hydrogen"),
    ("akkukemia", "batterikemi", "battery chemistry"),
    ("terveysteknologia", "hälsoteknologi", "health technology"),
    ("fotoniikka", "fotonik", "photonics"),
    ("kiertotalous", "cirkulär ekonomi", "circular economy"),
    ("tekoäly", "artificiell intelligens", "artificial intelligence"),
    ("liikunta", "idrott", "sport"),
    ("metsäbiotalous", "skogsbioekonomi", "forest bioeconomy"),
    ("älykäs liikenne", "smart trafik", "smart mobility"),
    ("energiatehokkuus", "energieffektivitet", "energy efficiency"),
    ("digitaalinen oppiminen", "digitalt lärande", "digital learning"),
    ("elintarvikkeet", "livsmedel", "food"),
    ("matkailu", "turism", "tourism"),
    ("rakentaminen", "byggande", "construction"),
    ("avaruus", "rymd", "space"),
    ("kyberturvallisuus", "cybersäkerhet", "cyber security"),
)
ASPECTS = (
    ("tutkimus", "forskning", "research"),
    ("tuotanto", "produktion", "production"),
    ("palvelut", "tjänster", "services"),
    ("osaaminen", "kompetens", "skills"),
    ("infrastruktuuri", "infrastruktur", "infrastructure"),
    ("kokeilut", "försök", "pilots"),
)
_STEMS = ("kuu", "lah", "jär", "vaa", "koi", "mäen", "salo", "por", "lin", "ran", "saa", "hel",
          "tam", "kor", "pel", "vuo", "ruu", "kivi", "nie", "lam", "hon", "kaar", "sii", "ylä")
_ENDINGS = ("la", "vesi", "järvi", "koski", "lahti", "nen", "niemi", "mäki", "ranta", "salmi")
ORG_CLASSES = ("University", "UniversityOfAppliedSciences", "DevelopmentCompany",
               "ResearchOrganisation", "EducationProvider", "Organisation")
ORG_WORDS = {  # class → (fi, en) words of its names
    "University": ("yliopisto", "University"),
    "UniversityOfAppliedSciences": ("ammattikorkeakoulu", "University of Applied Sciences"),
    "DevelopmentCompany": ("kehitysyhtiö", "Business"),
    "ResearchOrganisation": ("tutkimuskeskus", "Research Centre"),
    "EducationProvider": ("koulutusyhtymä", "Education Consortium"),
    "Organisation": ("osuuskunta", "Cooperative"),
}
ROLES = ("project-manager", "development-director", "chair", "researcher", "coordinator")
# The data graphs and the kind of entity each holds, like the files of data/.
GRAPHS = ("places", "agreements", "themes", "organisations", "people", "lead-projects",
          "events", "sources")


def iri(prefix: str, local: str) -> str:
    return f"<{_P[prefix]}{local}>"


def ic16(term: str) -> str:
    return f"<{_P['ic16']}{term}>"


def literal(text: str, language: str | None = None, datatype: str | None = None) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    if language:
        return f'"{escaped}"@{language}'
    return f'"{escaped}"' + (f"^^<http://www.w3.org/2001/XMLSchema#{datatype}>" if datatype
                             else "")


@dataclass(frozen=True)
class Tables:
    """`reasoning.Rules` as N-Triples strings, for the kinds of rule the generator mirrors.

    Types owl:Thing and rdfs:Resource are left out: the build drops them as noise.
    """

    superclasses: dict[str, tuple[str, ...]]
    superproperties: dict[str, tuple[str, ...]]
    inverses: dict[str, tuple[str, ...]]
    domains: dict[str, tuple[str, ...]]
    ranges: dict[str, tuple[str, ...]]
    chains: tuple[tuple[str, str, str], ...]  # (first link, second link, implied property)
    intersections: dict[str, tuple[str, ...]]  # class → the classes it is the intersection of
    restrictions: dict[str, tuple[str, str]]  # class → (property, someValuesFrom class)

    @classmethod
    def of(cls, rules: Rules) -> Tables:
        """The tables of `rules`; ValueError for a construct the generator does not mirror."""
        if (rules.unsupported or rules.symmetric or rules.transitive or rules.unions
                or rules.has_values or any(len(links) != 2 for _, links in rules.chains)):
            raise ValueError("the ontology uses rules the generator does not mirror")

        def strings(table: dict[Node, frozenset[Node]]) -> dict[str, tuple[str, ...]]:
            found = {key.n3(): tuple(sorted(v.n3() for v in values if v not in _TOP))
                     for key, values in table.items()}
            return {key: values for key, values in found.items() if values}

        return cls(
            strings(rules.superclasses), strings(rules.superproperties),
            strings(rules.inverses), strings(rules.domains), strings(rules.ranges),
            tuple(sorted((links[0].n3(), links[1].n3(), implied.n3())
                         for implied, links in rules.chains)),
            {c.n3(): tuple(m.n3() for m in members) for c, members in rules.intersections},
            {r.n3(): (prop.n3(), filler.n3()) for r, prop, filler in rules.some_values},
        )


class Reasoner:
    """Applies `Tables` to each triple as it is written; yields only what is new.

    Dedup is by a set of triple hashes over everything written, asserted or inferred, so the
    inferred graph never repeats an asserted triple (as `reasoning.reason` guarantees too).
    """

    def __init__(self, rules: Tables) -> None:
        self.rules = rules
        self.seen: set[int] = set()
        by_link: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
        for chain in rules.chains:
            by_link[chain[0]].append(chain)
            by_link[chain[1]].append(chain)
        self._chains_of = dict(by_link)
        self._firsts: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        self._seconds: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        watched = {c for members in rules.intersections.values() for c in members}
        watched |= {filler for _, filler in rules.restrictions.values()}
        self._watched = watched  # classes whose members must be remembered for the rules below
        self._members: dict[str, set[str]] = defaultdict(set)
        self._restricted = {prop for prop, _ in rules.restrictions.values()}
        self._linked: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))

    def add(self, triple: tuple[str, str, str]) -> bool:
        """Record `triple`; False when it was written before."""
        key = hash(triple)
        if key in self.seen:
            return False
        self.seen.add(key)
        return True

    def consequences(self, triple: tuple[str, str, str]) -> list[tuple[str, str, str]]:
        """Every new triple `triple` entails (with what was written before), in a fixed order."""
        new: list[tuple[str, str, str]] = []
        pending = [triple]
        while pending:
            for derived in self._one_step(*pending.pop()):
                if self.add(derived):
                    new.append(derived)
                    pending.append(derived)
        return new

    def _one_step(self, s: str, p: str, o: str) -> list[tuple[str, str, str]]:
        rules = self.rules
        if p == TYPE:
            out = [(s, TYPE, c) for c in rules.superclasses.get(o, ())]
            if o in self._watched:
                self._members[o].add(s)
                out += self._defined_classes(s)
                for restriction, (prop, filler) in rules.restrictions.items():
                    if filler == o:
                        out += [(x, TYPE, restriction) for x in self._linked[prop].get(s, ())]
            return out
        literal_object = o.startswith('"')
        out = [(s, q, o) for q in rules.superproperties.get(p, ())]
        if not literal_object:
            out += [(o, q, s) for q in rules.inverses.get(p, ())]
            out += [(o, TYPE, c) for c in rules.ranges.get(p, ())]
        out += [(s, TYPE, c) for c in rules.domains.get(p, ())]
        for first, second, implied in self._chains_of.get(p, ()):
            if p == first:
                self._firsts[first][o].append(s)
                out += [(s, implied, z) for z in self._seconds[second].get(o, ())]
            if p == second:
                self._seconds[second][s].append(o)
                out += [(x, implied, o) for x in self._firsts[first].get(s, ())]
        if p in self._restricted:
            self._linked[p][o].append(s)
            for restriction, (prop, filler) in rules.restrictions.items():
                if prop == p and o in self._members[filler]:
                    out.append((s, TYPE, restriction))
        return out

    def _defined_classes(self, s: str) -> list[tuple[str, str, str]]:
        return [
            (s, TYPE, defined)
            for defined, members in self.rules.intersections.items()
            if all(s in self._members[m] for m in members)
        ]


class Writer:
    """Writes quads into named graphs and the inferred graph, counting them."""

    def __init__(self, out: TextIO, reasoner: Reasoner) -> None:
        self.out = out
        self.reasoner = reasoner
        self.counts: dict[str, int] = defaultdict(int)
        self.inferred = f"<{graph_iri(DEFAULT_BASE_IRI, INFERRED)}>"

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def write(self, graph: str, triples: list[tuple[str, str, str]], entail: bool = True) -> None:
        """Write `triples` into `graph` and, if `entail`, what they entail into the inferred graph.

        Memberships of anonymous class expressions (`x a _:b`) are derived, as steps towards
        named classes such as Innokaupunki, but not written: the build filters them as noise.
        """
        for triple in triples:
            if self.reasoner.add(triple):
                self._quad(triple, graph)
                if not entail:
                    continue
                for derived in self.reasoner.consequences(triple):
                    if not (derived[1] == TYPE and derived[2].startswith("_:")):
                        self._quad(derived, self.inferred)

    def _quad(self, triple: tuple[str, str, str], graph: str) -> None:
        self.out.write(f"{triple[0]} {triple[1]} {triple[2]} {graph} .\n")
        self.counts[graph] += 1


def canonical_ontology() -> Graph:
    """The ontology with stable blank-node labels, so that the output is the same every time."""
    return to_canonical_graph(Graph().parse(ONTOLOGY, format="turtle"))


def generate(triples: int, seed: int, out: TextIO) -> dict[str, int]:
    """Write about `triples` quads (ontology, data and inferred graphs) to `out`; counts per graph.

    Whole regions are added until the count is reached, so the total slightly exceeds it.
    """
    ontology = canonical_ontology()
    writer = Writer(out, Reasoner(Tables.of(Rules.of(ontology))))
    # The ontology's own inferences are the build's (noise filtered), not re-derived here.
    writer.write(f"<{graph_iri(DEFAULT_BASE_IRI, 'ontology', 'ic16')}>", _triples(ontology),
                 entail=False)
    writer.write(writer.inferred, _triples(reason([ontology]).inferred), entail=False)
    World(random.Random(seed), writer).fill(triples)
    return dict(writer.counts)


def _triples(graph: Graph) -> list[tuple[str, str, str]]:
    """The triples of `graph` as N-Triples terms, sorted (rdflib's order varies between runs)."""
    lines = sorted(line[:-2] for line in graph.serialize(format="nt").splitlines() if line)
    return [tuple(line.split(" ", 2)) for line in lines]  # type: ignore[misc]


class World:
    """The synthetic programme: global resources first, then one city region after another."""

    def __init__(self, rng: random.Random, writer: Writer) -> None:
        self.rng = rng
        self.writer = writer
        self.graphs = {kind: f"<{graph_iri(DEFAULT_BASE_IRI, 'data', f'synthetic-{kind}')}>"
                       for kind in GRAPHS}
        self.organisations: list[tuple[str, int]] = []  # (IRI, region index)
        self.municipalities: list[tuple[str, int]] = []
        self.councils: list[str] = []
        self.lead_themes: list[str] = []
        self.projects = 0

    def emit(self, kind: str, subject: str, *pairs: tuple[str, str]) -> None:
        self.writer.write(self.graphs[kind], [(subject, p, o) for p, o in pairs])

    def labels(self, fi: str, sv: str | None, en: str | None) -> list[tuple[str, str]]:
        pref = "<http://www.w3.org/2004/02/skos/core#prefLabel>"
        pairs = [(pref, literal(fi, "fi"))]
        pairs += [(pref, literal(text, lang)) for text, lang in ((sv, "sv"), (en, "en")) if text]
        return pairs

    def name(self) -> str:
        stems = self.rng.sample(_STEMS, 2)
        return (stems[0] + stems[1] + self.rng.choice(_ENDINGS)).capitalize()

    def fill(self, triples: int) -> None:
        self.programme()
        region = 0
        while self.writer.total < triples:
            self.region(region)
            region += 1

    def programme(self) -> None:
        skos = "http://www.w3.org/2004/02/skos/core#"
        for kind, graph in self.graphs.items():
            source = iri("source", f"synthetic-{kind}")
            self.writer.write(graph, [(graph, ic16("statedIn"), source)])
            self.emit("sources", source, (TYPE, ic16("ResearchNote")),
                      *self.labels(f"Synteettinen aineisto: {kind}", None,
                                   f"Synthetic data: {kind}"),
                      ("<http://purl.org/dc/terms/issued>", literal("2026-11-23", None, "date")))
        self.emit("agreements", iri("programme", "innokaupungit"), (TYPE, ic16("Programme")),
                  *self.labels("Innovoivat kaupungit ja yhteisöt", "Innovativa städer",
                               "Innovating Cities and Communities"),
                  (ic16("coordinator"), iri("o", "tem")))
        self.emit("organisations", iri("o", "tem"), (TYPE, ic16("Ministry")),
                  *self.labels("työ- ja elinkeinoministeriö", "arbets- och näringsministeriet",
                               "Ministry of Economic Affairs and Employment"))
        self.emit("agreements", iri("fund", "erdf"), (TYPE, ic16("Fund")),
                  *self.labels("Euroopan aluekehitysrahasto", None,
                               "European Regional Development Fund"))
        scheme = iri("theme", "lead-themes")
        self.emit("themes", scheme, (TYPE, f"<{skos}ConceptScheme>"),
                  *self.labels("vetovastuuteemat", "teman", "lead themes"))
        for n, (fi, sv, en) in enumerate(TOPICS):
            theme = iri("theme", f"lead-{n}")
            self.lead_themes.append(theme)
            self.emit("themes", theme, (TYPE, ic16("Theme")), *self.labels(fi, sv, en),
                      (f"<{skos}inScheme>", scheme), (f"<{skos}topConceptOf>", scheme))
        for role in ROLES:
            self.emit("people", iri("post", f"role-{role}"), (TYPE, "<http://www.w3.org/ns/org#Role>"),
                      *self.labels(role.replace("-", " "), None, role.replace("-", " ")))

    def region(self, index: int) -> None:
        rng = self.rng
        name = self.name()
        region = iri("region", f"r{index}")
        towns = [(iri("city" if k == 0 else "municipality", f"r{index}-{k}"),
                  name if k == 0 else self.name()) for k in range(rng.randint(1, 3))]
        if index % 4 == 0:
            council = iri("o", f"council-{index // 4}")
            self.councils.append(council)
            self.emit("organisations", council, (TYPE, ic16("RegionalCouncil")),
                      *self.labels(f"{name}n liitto", f"{name} landskapsförbund",
                                   f"Regional Council of {name}"))
        self.emit("places", region, (TYPE, ic16("CityRegion")),
                  *self.labels(f"{name}n kaupunkiseutu", f"{name} stadsregion",
                               f"{name} city region"),
                  *((ic16("hasMunicipality"), town) for town, _ in towns))
        for k, (town, town_name) in enumerate(towns):
            self.municipalities.append((town, index))
            self.emit("places", town, (TYPE, ic16("City" if k == 0 else "Municipality")),
                      *self.labels(town_name, town_name, town_name),
                      (ic16("municipalityCode"), literal(f"{(index * 3 + k) % 1000:03d}")))
        if rng.random() < 0.8:
            self.agreement(index, name, region, [town for town, _ in towns])
        for town, town_name in towns:
            for _ in range(rng.randint(2, 6)):
                self.organisation(index, town, town_name)
        if index >= 3:
            for _ in range(rng.randint(1, 3)):
                self.lead_project(index, [town for town, _ in towns])

    def agreement(self, index: int, name: str, region: str, towns: list[str]) -> None:
        rng, skos = self.rng, "http://www.w3.org/2004/02/skos/core#"
        agreement = iri("agreement", f"r{index}")
        scheme = iri("theme", "focus-areas")
        areas = []
        for a, topic in enumerate(rng.sample(TOPICS, rng.randint(2, 4))):
            area = iri("theme", f"r{index}-{a}")
            areas.append(area)
            self.emit("themes", area, (TYPE, ic16("FocusArea")),
                      *self.labels(f"{name}: {topic[0]}", None, f"{name}: {topic[2]}"),
                      (f"<{skos}inScheme>", scheme),
                      (f"<{skos}definition>", literal(f"{name}n painopiste: {topic[0]} ja "
                                                       f"sen {rng.choice(ASPECTS)[0]}.", "fi")))
            parents = [area]
            for b in range(rng.randint(1, 5)):
                sub = iri("theme", f"r{index}-{a}-{b}")
                aspect = rng.choice(ASPECTS)
                self.emit("themes", sub, (TYPE, ic16("FocusArea")),
                          *self.labels(f"{topic[0]}: {aspect[0]} {b}", None,
                                       f"{topic[2]}: {aspect[2]} {b}"),
                          (f"<{skos}inScheme>", scheme), (f"<{skos}broader>", rng.choice(parents)))
                parents.append(sub)
        council = self.councils[-1]
        self.emit("agreements", agreement, (TYPE, ic16("EcosystemAgreement")),
                  *self.labels(f"{name}n ekosysteemisopimus", f"{name} ekosystemavtal",
                               f"{name} ecosystem agreement"),
                  (ic16("partOfProgramme"), iri("programme", "innokaupungit")),
                  (ic16("hasStateParty"), iri("o", "tem")),
                  *((ic16("hasMunicipalParty"), town) for town in towns),
                  (ic16("coversRegion"), region), (ic16("fundingAuthority"), council),
                  (ic16("signingDate"), literal("2021-02-09", None, "date")),
                  (ic16("validUntil"), literal("2027-12-31", None, "date")),
                  *((ic16("focusArea"), area) for area in areas))

    def organisation(self, index: int, town: str, town_name: str) -> None:
        rng = self.rng
        kind = rng.choice(ORG_CLASSES)
        fi, en = ORG_WORDS[kind]
        n = len(self.organisations)
        org = iri("o", f"org-{n}")
        self.organisations.append((org, index))
        self.emit("organisations", org, (TYPE, ic16(kind)),
                  *self.labels(f"{town_name}n {fi} {n}", None, f"{town_name} {en} {n}"),
                  (ic16("basedIn"), town), (ic16("businessId"), literal(f"{n:07d}-{n % 10}")))
        if rng.random() < 0.5:
            person = iri("person", f"p{n}")
            first, last = self.name(), self.name()
            role = rng.choice(ROLES)
            self.emit("people", person, (TYPE, ic16("Person")),
                      ("<http://xmlns.com/foaf/0.1/name>", literal(f"{first} {last}nen")),
                      *self.labels(f"{first} {last}nen", None, None))
            self.emit("people", iri("post", f"p{n}"), (TYPE, ic16("Post")),
                      ("<http://www.w3.org/ns/org#postIn>", org),
                      ("<http://www.w3.org/ns/org#heldBy>", person),
                      ("<http://www.w3.org/ns/org#role>", iri("post", f"role-{role}")),
                      *self.labels(f"{role} {n}", None, f"{role.replace('-', ' ')}, {en} {n}"))

    def lead_project(self, index: int, towns: list[str]) -> None:
        rng = self.rng
        n = rng.randrange(len(TOPICS))
        topic = TOPICS[n]
        slug = f"p{self.projects}"
        self.projects += 1
        project = iri("project", slug)
        local = [org for org, r in self.organisations if r == index]
        others = rng.sample(self.organisations, min(6, len(self.organisations)))
        partners = [org for org, r in others if r != index][: rng.randint(2, 5)]
        cities = rng.sample(self.municipalities, 2)
        start = 2021 + rng.randrange(5)
        self.emit("lead-projects", project, (TYPE, ic16("LeadProject")),
                  *self.labels(f"{topic[0].capitalize()} – kansallinen ekosysteemi {index}",
                               f"{topic[1].capitalize()} – nationellt ekosystem {index}",
                               f"National {topic[2]} ecosystem {index}"),
                  (ic16("partOfProgramme"), iri("programme", "innokaupungit")),
                  (ic16("theme"), self.lead_themes[n]),
                  (ic16("leadCity"), towns[0]),
                  (ic16("leadOrganisation"), local[0]),
                  *((ic16("implementer"), org) for org in partners[:2]),
                  *((ic16("hasParticipant"), org) for org in partners[2:]),
                  *((ic16("participatingMunicipality"), city) for city, _ in cities),
                  (ic16("funder"), rng.choice(self.councils)),
                  (ic16("fundedFrom"), iri("fund", "erdf")),
                  (ic16("startDate"), literal(f"{start}-0{rng.randint(1, 9)}-01", None, "date")),
                  (ic16("endDate"), literal(f"{start + 2}-0{rng.randint(1, 9)}-28", None, "date")),
                  (ic16("amountEUR"), literal(f"{rng.randrange(50, 900) * 1000}.00", None,
                                              "decimal")))
        for w in range(rng.randint(1, 3)):
            aspect = rng.choice(ASPECTS)
            self.emit("lead-projects", iri("wp", f"{slug}-{w}"),
                      (TYPE, ic16("WorkPackage")), (ic16("workPackageOf"), project),
                      *self.labels(f"{topic[0]}: {aspect[0]}", None, f"{topic[2]}: {aspect[2]}"),
                      (ic16("responsibleOrganisation"), rng.choice(local + partners)),
                      (ic16("outcome"), literal(f"Kokonaisuudessa kehitettiin {aspect[0]}a "
                                                f"alueelle {index}.", "fi")))
        if rng.random() < 0.5:
            event = iri("event", slug)
            place = iri("place", slug)
            self.emit("events", place, (TYPE, ic16("Venue")),
                      ("<https://schema.org/name>", literal(f"{self.name()}talo")))
            self.emit("events", event, (TYPE, ic16("Event")), (ic16("eventOf"), project),
                      *self.labels(f"{topic[0].capitalize()}-hankkeen loppuseminaari", None,
                                   f"final seminar on {topic[2]}"),
                      (ic16("startDate"), literal(f"{start + 2}-06-25", None, "date")),
                      (ic16("venue"), place))
        source = iri("source", slug)
        self.emit("sources", source, (TYPE, ic16(rng.choice(("PressRelease", "WebPage")))),
                  ("<http://purl.org/dc/terms/title>", literal(f"{topic[0]}: tiedote {index}",
                                                               "fi")),
                  *self.labels(f"{topic[0].capitalize()}: tiedote {index}", None,
                               f"Press release on {topic[2]} {index}"),
                  ("<http://purl.org/dc/terms/publisher>", towns[0]),
                  ("<http://purl.org/dc/terms/issued>", literal(f"{start}-05-17", None, "date")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=100_000,
                        help="approximate number of quads, inferred ones included")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--output", type=Path, help="N-Quads file (default: stdout)")
    args = parser.parse_args(argv)
    if args.output is None:
        counts = generate(args.triples, args.seed, sys.stdout)
    else:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        temporary = args.output.with_name(f".{args.output.name}.partial")
        with temporary.open("w", encoding="utf-8") as out:
            counts = generate(args.triples, args.seed, out)
        temporary.replace(args.output)
    print(f"{sum(counts.values())} quads in {len(counts)} graphs", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
