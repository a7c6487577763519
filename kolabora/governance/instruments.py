"""The default assessment instruments, loaded by a data migration (and re-loadable: ``load`` only adds
what is missing).

DeSeve's eight dimensions of a managed network, in the wording of seed 000 (DeSeve 2007, in Sudarmo
2011), with governance in its four parts; and Ansell & Gash's model (2008, seed 001): starting
conditions, facilitative leadership, institutional design, and the collaborative process with its five
indicators. Texts are English gettext sources (``gettext_noop``, spelled out so the catalogue tools find them): the catalogue gives their Indonesian
wording, which pages show by default.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

# (code, name, description, [(item code, statement)], [parts: (code, name, description, items)])
DESEVE: dict[str, Any] = {
    "code": "deseve",
    "name": gettext_noop("DeSeve: eight dimensions of a managed network"),
    "source": "DeSeve (2007), dalam Sudarmo (2011)",
    "description": gettext_noop(
        "Eight items that measure whether a network or collaboration in governance succeeds."
    ),
    "order": 1,
    "dimensions": [
        (
            "networked_structure",
            gettext_noop("Networked structure"),
            gettext_noop(
                "How the organisations are linked to one another: who works with whom, and through whom."
            ),
            [
                (
                    "known_partners",
                    gettext_noop(
                        "I know which organisations our organisation works with in the programme, and for what."
                    ),
                ),
                (
                    "clear_channels",
                    gettext_noop(
                        "Work passes between organisations through clear, known channels, not only through personal contacts."
                    ),
                ),
                (
                    "needs_covered",
                    gettext_noop(
                        "Every need of participants (training, licensing, marketing, capital) has an organisation in the network that serves it."
                    ),
                ),
            ],
            [],
        ),
        (
            "commitment",
            gettext_noop("Commitment to a common purpose"),
            gettext_noop(
                "Why the network exists: attention to and commitment for reaching positive common goals."
            ),
            [
                (
                    "shared_goal",
                    gettext_noop(
                        "Our organisation shares the programme's goal of creating licensed, growing entrepreneurs."
                    ),
                ),
                (
                    "own_means",
                    gettext_noop(
                        "Our organisation sets aside staff and budget for its part of the programme."
                    ),
                ),
                (
                    "goals_first",
                    gettext_noop(
                        "When our own priorities compete with the programme's, the programme's goals are still met."
                    ),
                ),
            ],
            [],
        ),
        (
            "trust",
            gettext_noop("Trust among the participants"),
            gettext_noop(
                "Professional or social trust that the other members' information and efforts serve the common goal."
            ),
            [
                (
                    "trust_information",
                    gettext_noop("I trust the information other organisations in the programme give us."),
                ),
                (
                    "trust_delivery",
                    gettext_noop("I can rely on other organisations to do what they agreed to do, on time."),
                ),
                (
                    "participant_trust",
                    gettext_noop("Participants trust that the programme will help their business."),
                ),
            ],
            [],
        ),
        (
            "governance",
            gettext_noop("Governance"),
            gettext_noop(
                "Clarity of governance: who is a member, the rules, the freedom to decide how the network runs, and its management."
            ),
            [],
            [
                (
                    "boundary",
                    gettext_noop("Boundary and exclusivity"),
                    gettext_noop("Who is a member of the network and who is not."),
                    [
                        (
                            "members_clear",
                            gettext_noop(
                                "It is clear which organisations belong to the programme's network and which do not."
                            ),
                        )
                    ],
                ),
                (
                    "rules",
                    gettext_noop("Rules"),
                    gettext_noop(
                        "Clear rules on what members should and should not do, with consequences for breaking them."
                    ),
                    [
                        (
                            "written_rules",
                            gettext_noop(
                                "There are written rules (PKS/MoU, service levels) on what each organisation must and must not do."
                            ),
                        )
                    ],
                ),
                (
                    "self_determination",
                    gettext_noop("Self-determination"),
                    gettext_noop("Freedom to decide how the network is run and who runs it."),
                    [
                        (
                            "decide_together",
                            gettext_noop(
                                "The members decide together how the programme is run and who runs it."
                            ),
                        )
                    ],
                ),
                (
                    "network_management",
                    gettext_noop("Network management"),
                    gettext_noop(
                        "Resolving disputes, allocating resources, quality control, with competent staff and steady funding."
                    ),
                    [
                        (
                            "managed_well",
                            gettext_noop(
                                "Disputes, resources and quality are managed well, with competent staff and steady funding."
                            ),
                        )
                    ],
                ),
            ],
        ),
        (
            "access_to_authority",
            gettext_noop("Access to authority"),
            gettext_noop("Standards and procedures that are clear and widely accepted."),
            [
                (
                    "clear_procedures",
                    gettext_noop(
                        "Procedures and standards for each step (for example licensing) are clear and widely accepted."
                    ),
                ),
                (
                    "timely_decisions",
                    gettext_noop(
                        "Decisions are made by the office that holds the authority, within the promised time."
                    ),
                ),
            ],
            [],
        ),
        (
            "distributive_accountability",
            gettext_noop("Distributive accountability / responsibility"),
            gettext_noop(
                "Sharing governance and decisions among all members, and so sharing responsibility for the results."
            ),
            [
                (
                    "roles_divided",
                    gettext_noop(
                        "Each organisation's responsibilities in the programme are clearly divided."
                    ),
                ),
                (
                    "open_reporting",
                    gettext_noop("Organisations report openly on what they have done for participants."),
                ),
                (
                    "shared_decisions",
                    gettext_noop(
                        "Decisions about the programme are shared with all members, not made by one organisation alone."
                    ),
                ),
            ],
            [],
        ),
        (
            "information_sharing",
            gettext_noop("Information sharing"),
            gettext_noop(
                "Easy access for members, protection of privacy, and limited access for non-members."
            ),
            [
                (
                    "easy_access",
                    gettext_noop(
                        "Organisations share the information other members need, quickly and easily."
                    ),
                ),
                (
                    "privacy",
                    gettext_noop(
                        "Participants' personal data is shared only with their consent and only as far as needed."
                    ),
                ),
                (
                    "reaches_public",
                    gettext_noop("Information about the programme reaches people who could take part."),
                ),
            ],
            [],
        ),
        (
            "access_to_resources",
            gettext_noop("Access to resources"),
            gettext_noop(
                "Availability of the financial, technical, human and other resources the network needs."
            ),
            [
                (
                    "funds",
                    gettext_noop("Our organisation has the funds it needs for its part of the programme."),
                ),
                (
                    "staff",
                    gettext_noop("Our organisation has enough skilled staff for its part of the programme."),
                ),
                (
                    "capital_reachable",
                    gettext_noop(
                        "Participants can reach capital (KUR, Bank DKI, fintech) through the programme."
                    ),
                ),
            ],
            [],
        ),
    ],
}

ANSELL_GASH: dict[str, Any] = {
    "code": "ansell_gash",
    "name": gettext_noop("Ansell & Gash: the collaborative governance model"),
    "source": "Ansell & Gash (2008)",
    "description": gettext_noop(
        "Four dimensions of collaborative governance; the collaborative process is measured by its five indicators."
    ),
    "order": 2,
    "dimensions": [
        (
            "starting_conditions",
            gettext_noop("Starting conditions"),
            gettext_noop(
                "Imbalances of power and resources, incentives to take part, and a history of conflict or cooperation."
            ),
            [
                (
                    "balance",
                    gettext_noop(
                        "Power and resources are not so unequal that some organisations cannot take part as equals."
                    ),
                ),
                (
                    "incentives",
                    gettext_noop("Our organisation has clear reasons to take part in the programme."),
                ),
                (
                    "prehistory",
                    gettext_noop("Past cooperation between our organisation and the others was mostly good."),
                ),
            ],
            [],
        ),
        (
            "facilitative_leadership",
            gettext_noop("Facilitative leadership"),
            gettext_noop(
                "A leader who brings the members together, keeps the process going and builds trust."
            ),
            [
                (
                    "convenes",
                    gettext_noop("The lead agency brings the organisations together and keeps them engaged."),
                ),
                (
                    "mutual_gains",
                    gettext_noop(
                        "The lead agency helps the members find solutions that benefit all of them."
                    ),
                ),
            ],
            [],
        ),
        (
            "institutional_design",
            gettext_noop("Institutional design"),
            gettext_noop(
                "Ground rules that give the process legitimacy, clear roles and clear, realistic deadlines."
            ),
            [
                (
                    "ground_rules",
                    gettext_noop("The ground rules of the collaboration are clear and written down."),
                ),
                (
                    "clear_roles",
                    gettext_noop("The roles of the government and of each stakeholder are clearly divided."),
                ),
                ("deadlines", gettext_noop("Deadlines are clear and realistic.")),
            ],
            [],
        ),
        (
            "collaborative_process",
            gettext_noop("Collaborative process"),
            gettext_noop("The core of the model: five indicators that build on one another."),
            [],
            [
                (
                    "face_to_face",
                    gettext_noop("Face-to-face dialogue"),
                    gettext_noop("Meeting in person or online to deliberate and decide."),
                    [
                        (
                            "meet_and_decide",
                            gettext_noop(
                                "Members meet (in person or online) to discuss and decide together."
                            ),
                        )
                    ],
                ),
                (
                    "trust_building",
                    gettext_noop("Trust building"),
                    gettext_noop("Trust that grows as the members work together."),
                    [
                        (
                            "trust_grew",
                            gettext_noop(
                                "Working together in the programme has increased trust between the organisations."
                            ),
                        )
                    ],
                ),
                (
                    "commitment_to_process",
                    gettext_noop("Commitment to process"),
                    gettext_noop(
                        "Commitment to the collaboration itself, putting the common interest first."
                    ),
                    [
                        (
                            "committed",
                            gettext_noop(
                                "Our organisation stays committed to the collaboration, even when it is hard."
                            ),
                        )
                    ],
                ),
                (
                    "shared_understanding",
                    gettext_noop("Shared understanding"),
                    gettext_noop("A shared understanding of the problem and of what must be achieved."),
                    [
                        (
                            "shared_meaning",
                            gettext_noop(
                                "The members share an understanding of the problems and of what must be achieved."
                            ),
                        )
                    ],
                ),
                (
                    "intermediate_outcomes",
                    gettext_noop("Intermediate outcomes"),
                    gettext_noop("Concrete small wins (agreements, joint activities) that build momentum."),
                    [
                        (
                            "small_wins",
                            gettext_noop(
                                "The collaboration has produced concrete small wins (agreements, joint activities, results)."
                            ),
                        )
                    ],
                ),
            ],
        ),
    ],
}

FRAMEWORKS = [DESEVE, ANSELL_GASH]


def load(Framework: Any, Dimension: Any, Item: Any) -> None:
    """Create the default frameworks, dimensions and items that do not exist yet (by code)."""
    for spec in FRAMEWORKS:
        framework, _created = Framework.objects.get_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "source": spec["source"],
                "description": spec["description"],
                "order": spec["order"],
            },
        )
        for order, (code, name, description, items, parts) in enumerate(spec["dimensions"], start=1):
            dimension, _created = Dimension.objects.get_or_create(
                framework=framework,
                code=code,
                defaults={"name": name, "description": description, "order": order * 10},
            )
            _items(Item, dimension, items)
            for part_order, (part_code, part_name, part_description, part_items) in enumerate(parts, start=1):
                part, _created = Dimension.objects.get_or_create(
                    framework=framework,
                    code=part_code,
                    defaults={
                        "name": part_name,
                        "description": part_description,
                        "order": order * 10 + part_order,
                        "parent": dimension,
                    },
                )
                _items(Item, part, part_items)


def _items(Item: Any, dimension: Any, items: list[tuple[str, str]]) -> None:
    for order, (code, text) in enumerate(items, start=1):
        Item.objects.get_or_create(dimension=dimension, code=code, defaults={"text": text, "order": order})
