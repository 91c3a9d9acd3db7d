"""The demo organisation, Northwind Group: a realistic company built through the services.

Everything is drawn from one ``random.Random(seed)`` and a fixed reference date, so a seed always
gives the same people, reporting lines, skills and sensitive answers. Never imports test code.
"""

from __future__ import annotations

import random
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import transaction

from turnabout.accounts.models import AccountRole, Organisation, User
from turnabout.accounts.services import create_organisation, create_user
from turnabout.people.models import AgeBand, Department, EmploymentStatus, Grade, Person, Site, Skill
from turnabout.people.services import (
    create_people,
    delete_organisation,
    department_named,
    ensure_grade_ladder,
    link_user,
    record_sensitive_profile,
    set_skill_levels_for_people,
    site_named,
)

DEMO_SLUG = "demo"
DEMO_NAME = "Northwind Group"
DEMO_EMAIL_DOMAIN = "northwind.example"
# Public on purpose: every run prints it. Local demo databases only (the command refuses outside TURNABOUT_DEMO or DEBUG).
DEMO_PASSWORD = "turnabout-demo"
MIN_EMPLOYEES = 10
MAX_EMPLOYEES = 50_000
# Hire dates, tenure and leaving dates count back from this day, never from today.
REFERENCE_DATE = date(2026, 11, 1)
SENSITIVE_OPT_IN_SHARE = 0.35
SENSITIVE_PURPOSE = (
    "To let program managers check, in aggregate only, that mentoring programs reach under-represented groups, "
    "and — only in programs that enable it — to pair people across backgrounds. No other participant, manager "
    "or sponsor ever sees your answers."
)
SENSITIVE_LEGAL_BASIS = "Explicit consent (GDPR Art. 9(2)(a))"


# --- Names ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Culture:
    """A naming tradition: given names by gender, family names and the languages that often come with it."""

    women: tuple[str, ...]
    men: tuple[str, ...]
    families: tuple[str, ...]
    languages: tuple[str, ...] = ()
    language_share: float = 0.0


CULTURES: dict[str, Culture] = {
    "british": Culture(
        women=("Olivia", "Amelia", "Isla", "Emily", "Sophie", "Charlotte", "Grace", "Lucy", "Hannah", "Ellie", "Chloe", "Rebecca",
               "Claire", "Sarah", "Fiona", "Siobhan", "Niamh", "Catherine", "Joanne", "Helen", "Bethan", "Imogen"),
        men=("Oliver", "George", "Harry", "Jack", "Thomas", "James", "William", "Daniel", "Samuel", "Callum", "Liam", "Ewan",
             "Rhys", "Owen", "Matthew", "Andrew", "Stephen", "Richard", "Graham", "Declan", "Alistair", "Gareth"),
        families=("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Evans", "Thomas", "Roberts",
                  "Walker", "Wright", "Robinson", "Thompson", "Hughes", "Edwards", "Green", "Hall", "Wood", "Clarke", "Murphy",
                  "O'Brien", "Campbell", "MacDonald", "Fletcher", "Hargreaves", "Bennett", "Kelly", "Morgan"),
    ),
    "american": Culture(
        women=("Emma", "Madison", "Abigail", "Ashley", "Jessica", "Lauren", "Megan", "Brianna", "Kayla", "Jennifer", "Amanda",
               "Kimberly", "Brittany", "Courtney", "Heather", "Melissa", "Stephanie", "Danielle"),
        men=("Ethan", "Mason", "Logan", "Tyler", "Brandon", "Justin", "Kevin", "Ryan", "Jacob", "Michael", "Christopher",
             "Joshua", "Austin", "Cody", "Dylan", "Brian", "Eric", "Scott"),
        families=("Miller", "Davis", "Anderson", "Martin", "Jackson", "White", "Harris", "Clark", "Lewis", "Young", "Allen",
                  "King", "Scott", "Baker", "Nelson", "Carter", "Mitchell", "Parker", "Collins", "Stewart", "Morris", "Cooper",
                  "Reed", "Bailey", "Washington", "Freeman"),
    ),
    "hispanic": Culture(
        women=("Sofía", "Valentina", "Camila", "Isabella", "Lucía", "María", "Gabriela", "Daniela", "Alejandra", "Carmen", "Elena",
               "Marisol", "Paola", "Ximena"),
        men=("Santiago", "Mateo", "Diego", "Alejandro", "Javier", "Carlos", "Luis", "Miguel", "Andrés", "Jorge", "Ricardo",
             "Emilio", "Rafael", "Fernando"),
        families=("García", "Rodríguez", "Martínez", "Hernández", "López", "González", "Pérez", "Sánchez", "Ramírez", "Torres",
                  "Flores", "Rivera", "Gómez", "Díaz", "Reyes", "Morales", "Cruz", "Ortiz", "Castillo", "Vargas"),
        languages=("es",),
        language_share=0.75,
    ),
    "indian": Culture(
        women=("Priya", "Ananya", "Aishwarya", "Divya", "Kavya", "Lakshmi", "Meera", "Neha", "Pooja", "Riya", "Shreya", "Sneha",
               "Deepika", "Anjali", "Nandini", "Sunita", "Harini", "Farah", "Zainab", "Simran"),
        men=("Arjun", "Rahul", "Vikram", "Aditya", "Rohan", "Karthik", "Siddharth", "Sanjay", "Rajesh", "Suresh", "Amit", "Anand",
             "Vivek", "Nikhil", "Pranav", "Imran", "Faisal", "Ravi", "Gurpreet", "Manoj"),
        families=("Sharma", "Patel", "Singh", "Kumar", "Gupta", "Reddy", "Iyer", "Nair", "Menon", "Rao", "Krishnan", "Desai",
                  "Mehta", "Chatterjee", "Banerjee", "Das", "Joshi", "Pillai", "Khan", "Ahmed", "Verma", "Kapoor", "Bose",
                  "Mukherjee", "Naidu", "Shetty", "Hegde", "Gowda"),
        languages=("hi", "ta", "te", "kn", "bn", "mr", "ml", "gu", "pa"),
        language_share=0.9,
    ),
    "chinese": Culture(
        women=("Wei Ling", "Mei Ling", "Hui Min", "Xin Yi", "Jia Hui", "Shu Fen", "Yan Ting", "Pei Shan", "Li Ying", "Xiao Mei",
               "Jasmine", "Vanessa", "Cheryl", "Audrey"),
        men=("Wei Jie", "Jun Hao", "Zhi Hao", "Jian Ming", "Kai Wen", "Wen Jie", "Yong Sheng", "Guo Wei", "Hao Ran", "Darren",
             "Marcus", "Kelvin", "Benjamin", "Eugene"),
        families=("Tan", "Lim", "Lee", "Ng", "Ong", "Wong", "Goh", "Chua", "Chan", "Koh", "Teo", "Ang", "Yeo", "Tay", "Ho", "Low",
                  "Chen", "Wang", "Zhang", "Liu", "Huang", "Lin"),
        languages=("zh",),
        language_share=0.8,
    ),
    "malay": Culture(
        women=("Nur Aisyah", "Siti Aminah", "Nurul Huda", "Aisyah", "Amira", "Zulaikha", "Hidayah", "Syafiqah", "Nabilah", "Farhana"),
        men=("Muhammad Faiz", "Ahmad Danial", "Hakim", "Irfan", "Farhan", "Haziq", "Syahmi", "Azman", "Rizal", "Hafiz"),
        families=("Abdullah", "Rahman", "Ismail", "Hassan", "Ibrahim", "Osman", "Yusof", "Salleh", "Aziz", "Hamid", "Kamal", "Othman"),
        languages=("ms",),
        language_share=0.95,
    ),
    "german": Culture(
        women=("Anna", "Lena", "Laura", "Julia", "Katharina", "Sophie", "Lea", "Hannah", "Johanna", "Sabine", "Petra", "Claudia",
               "Franziska", "Miriam", "Greta"),
        men=("Lukas", "Maximilian", "Jonas", "Felix", "Leon", "Tobias", "Florian", "Jan", "Stefan", "Andreas", "Markus", "Matthias",
             "Jürgen", "Sebastian", "Henrik"),
        families=("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann", "Koch",
                  "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger", "Hartmann",
                  "Lange", "Vogel", "Krause"),
        languages=("de",),
        language_share=1.0,
    ),
    "turkish": Culture(
        women=("Elif", "Zeynep", "Ayşe", "Fatma", "Merve", "Esra", "Selin", "Deniz", "Büşra", "Aylin", "Ece", "Derya"),
        men=("Mehmet", "Mustafa", "Ahmet", "Emre", "Burak", "Can", "Murat", "Kerem", "Onur", "Serkan", "Yusuf", "Cem"),
        families=("Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Aydın", "Öztürk", "Arslan", "Doğan", "Kılıç", "Aslan",
                  "Çetin", "Koç", "Kurt", "Özdemir"),
        languages=("tr",),
        language_share=0.9,
    ),
    "brazilian": Culture(
        women=("Ana", "Beatriz", "Mariana", "Juliana", "Fernanda", "Larissa", "Camila", "Letícia", "Gabriela", "Luana", "Bruna",
               "Renata", "Patrícia", "Thaís", "Vitória"),
        men=("João", "Pedro", "Lucas", "Gabriel", "Rafael", "Gustavo", "Felipe", "Thiago", "Bruno", "Rodrigo", "Leonardo",
             "Matheus", "Vinícius", "Caio", "Eduardo"),
        families=("Silva", "Santos", "Oliveira", "Souza", "Lima", "Pereira", "Costa", "Ferreira", "Almeida", "Carvalho", "Ribeiro",
                  "Gomes", "Martins", "Araújo", "Barbosa", "Rocha", "Cardoso", "Nascimento", "Moreira", "da Silva", "dos Santos"),
        languages=("pt",),
        language_share=1.0,
    ),
    "west_african": Culture(
        women=("Chiamaka", "Adaeze", "Ngozi", "Funmilayo", "Yetunde", "Abena", "Akosua", "Efua", "Amara", "Folake", "Chioma",
               "Ifeoma", "Temitope", "Adjoa"),
        men=("Chinedu", "Emeka", "Oluwaseun", "Tunde", "Kwame", "Kofi", "Kwabena", "Yaw", "Obinna", "Babajide", "Segun", "Ikenna",
             "Femi", "Nnamdi"),
        families=("Okafor", "Okonkwo", "Adeyemi", "Adebayo", "Eze", "Nwosu", "Oyelaran", "Mensah", "Owusu", "Boateng", "Asante",
                  "Osei", "Adjei", "Balogun", "Okoro", "Nwachukwu", "Afolabi", "Ogunleye"),
        languages=("yo", "ig", "tw"),
        language_share=0.5,
    ),
}  # fmt: skip

# Broad, self-described categories; a blank answer means "prefer not to say".
ETHNICITY_BY_CULTURE: dict[str, dict[str, float]] = {
    "british": {"White": 0.88, "Mixed or multiple heritage": 0.07, "Another ethnic group": 0.01, "": 0.04},
    "american": {"White": 0.72, "Black": 0.13, "Mixed or multiple heritage": 0.08, "Another ethnic group": 0.03, "": 0.04},
    "hispanic": {"Hispanic or Latin American": 0.85, "Mixed or multiple heritage": 0.08, "White": 0.03, "": 0.04},
    "indian": {"Asian": 0.94, "Mixed or multiple heritage": 0.02, "": 0.04},
    "chinese": {"Asian": 0.95, "": 0.05},
    "malay": {"Asian": 0.95, "": 0.05},
    "german": {"White": 0.9, "Mixed or multiple heritage": 0.05, "": 0.05},
    "turkish": {"Middle Eastern or North African": 0.55, "White": 0.3, "Mixed or multiple heritage": 0.05, "": 0.1},
    "brazilian": {"White": 0.45, "Mixed or multiple heritage": 0.35, "Black": 0.1, "Hispanic or Latin American": 0.06, "": 0.04},
    "west_african": {"Black": 0.92, "Mixed or multiple heritage": 0.04, "": 0.04},
}


# --- Places ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteSpec:
    name: str
    country: str
    timezone: str
    weight: float
    cultures: dict[str, float]
    local_languages: tuple[str, ...] = ()
    local_language_share: float = 0.0


SITES: tuple[SiteSpec, ...] = (
    SiteSpec("London", "GB", "Europe/London", 0.22,
             {"british": 0.5, "indian": 0.14, "west_african": 0.1, "chinese": 0.05, "german": 0.04, "hispanic": 0.04,
              "brazilian": 0.04, "turkish": 0.04, "american": 0.05}),
    SiteSpec("Manchester", "GB", "Europe/London", 0.1, {"british": 0.66, "indian": 0.14, "west_african": 0.1, "chinese": 0.04,
                                                       "turkish": 0.03, "german": 0.03}),
    SiteSpec("New York", "US", "America/New_York", 0.15,
             {"american": 0.46, "hispanic": 0.18, "chinese": 0.1, "indian": 0.1, "west_african": 0.08, "british": 0.05,
              "brazilian": 0.03}),
    SiteSpec("Austin", "US", "America/Chicago", 0.08, {"american": 0.52, "hispanic": 0.3, "indian": 0.1, "chinese": 0.05,
                                                       "west_african": 0.03}),
    SiteSpec("Singapore", "SG", "Asia/Singapore", 0.1, {"chinese": 0.56, "malay": 0.15, "indian": 0.2, "british": 0.05,
                                                        "american": 0.04}, ("ms",), 0.15),
    SiteSpec("Berlin", "DE", "Europe/Berlin", 0.1, {"german": 0.62, "turkish": 0.15, "british": 0.05, "american": 0.04,
                                                   "indian": 0.06, "brazilian": 0.04, "hispanic": 0.04}, ("de",), 0.9),
    SiteSpec("Bangalore", "IN", "Asia/Kolkata", 0.15, {"indian": 0.96, "british": 0.02, "american": 0.02}, ("kn", "hi"), 0.35),
    SiteSpec("São Paulo", "BR", "America/Sao_Paulo", 0.1, {"brazilian": 0.86, "hispanic": 0.06, "german": 0.04, "chinese": 0.04},
             ("pt",), 1.0),
)  # fmt: skip
SITE_BY_NAME = {site.name: site for site in SITES}
# The ethnic groups that are the majority where each site's country is; others count as under-represented.
MAJORITY_ETHNICITIES = {
    "GB": {"White"},
    "US": {"White"},
    "DE": {"White"},
    "SG": {"Asian"},
    "IN": {"Asian"},
    "BR": {"White", "Mixed or multiple heritage"},
}
EXTRA_LANGUAGES = ("fr", "es", "de", "it", "ja", "ar")


# --- The organisation -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DepartmentSpec:
    name: str
    weight: float
    areas: tuple[str, ...]
    specialist_titles: tuple[str, ...]
    site_boosts: dict[str, float] = field(default_factory=dict)
    skill_boosts: tuple[str, ...] = ()
    women_share: float = 0.5


# In the order departments appear as the organisation grows: a 10-person demo has the first two.
DEPARTMENTS: tuple[DepartmentSpec, ...] = (
    DepartmentSpec("Technology", 0.22, ("Platform Engineering", "Data Engineering", "Product Engineering", "Infrastructure",
                                        "Cybersecurity", "Digital Workplace"),
                   ("Software Engineer", "Data Engineer", "QA Engineer", "Site Reliability Engineer", "Product Designer",
                    "Data Analyst", "IT Support Analyst", "Security Analyst"),
                   {"Bangalore": 1.9, "Berlin": 1.5, "Austin": 2.0, "London": 0.7, "New York": 0.5, "São Paulo": 0.5},
                   ("digital-technology", "data-ai"), 0.32),
    DepartmentSpec("Sales", 0.15, ("Enterprise Sales", "Mid-Market Sales", "Partnerships", "Sales Operations", "Key Accounts"),
                   ("Sales Development Representative", "Account Executive", "Sales Analyst", "Partnerships Executive",
                    "Bid Writer"),
                   {"New York": 1.5, "Singapore": 1.4, "São Paulo": 1.4, "Bangalore": 0.3}, ("leadership-business",), 0.45),
    DepartmentSpec("Operations", 0.16, ("Supply Chain", "Logistics", "Procurement", "Facilities", "Service Delivery", "Quality"),
                   ("Operations Analyst", "Supply Chain Analyst", "Logistics Coordinator", "Procurement Specialist",
                    "Facilities Coordinator"),
                   {"Manchester": 2.0, "São Paulo": 1.5, "Bangalore": 1.3, "New York": 0.5}, (), 0.45),
    DepartmentSpec("Marketing", 0.1, ("Brand", "Digital Marketing", "Content", "Growth", "Communications", "Marketing Analytics"),
                   ("Marketing Executive", "Content Specialist", "Social Media Specialist", "Brand Executive", "SEO Specialist",
                    "Marketing Analyst"),
                   {"London": 1.6, "New York": 1.4, "Bangalore": 0.4}, ("social-media-marketing",), 0.6),
    DepartmentSpec("Finance", 0.09, ("Financial Planning & Analysis", "Accounting", "Treasury", "Tax", "Payroll"),
                   ("Financial Analyst", "Accountant", "Payroll Specialist", "FP&A Analyst", "Treasury Analyst"),
                   {"London": 1.8, "New York": 1.3, "Bangalore": 1.3, "Austin": 0.3}, ("leadership-business",), 0.5),
    DepartmentSpec("People & Culture", 0.07, ("Talent Acquisition", "Learning & Development", "HR Business Partnering", "Reward",
                                              "People Analytics", "Inclusion"),
                   ("HR Advisor", "Recruiter", "Learning & Development Specialist", "People Analyst", "Reward Analyst"),
                   {"London": 1.6, "Manchester": 1.4}, ("diversity-inclusion", "culture-generations"), 0.68),
    DepartmentSpec("Customer Experience", 0.12, ("Customer Support", "Customer Success", "Service Quality", "Contact Centre",
                                                 "Customer Insights"),
                   ("Customer Support Advisor", "Customer Success Specialist", "CX Analyst", "Service Quality Analyst"),
                   {"Manchester": 2.4, "Bangalore": 1.6, "Austin": 1.2, "Berlin": 0.6}, ("social-media-marketing",), 0.55),
    DepartmentSpec("Legal & Risk", 0.05, ("Legal", "Compliance", "Risk", "Privacy", "Internal Audit"),
                   ("Legal Analyst", "Compliance Analyst", "Risk Analyst", "Privacy Analyst", "Contracts Specialist"),
                   {"London": 2.0, "New York": 1.5, "Manchester": 0.5, "Austin": 0.3}, ("leadership-business",), 0.52),
    DepartmentSpec("Strategy", 0.04, ("Corporate Strategy", "Transformation", "Insights", "Corporate Development"),
                   ("Strategy Analyst", "Business Analyst", "Insights Analyst", "Transformation Analyst"),
                   {"London": 2.2, "New York": 1.8, "Manchester": 0.3, "Bangalore": 0.5}, ("leadership-business", "data-ai"), 0.45),
)  # fmt: skip


@dataclass(frozen=True)
class ExecutiveSpec:
    title: str
    grade: str
    departments: tuple[str, ...]


EXECUTIVES: tuple[ExecutiveSpec, ...] = (
    ExecutiveSpec("Chief Technology Officer", "G10", ("Technology",)),
    ExecutiveSpec("Chief Revenue Officer", "G9", ("Sales",)),
    ExecutiveSpec("Chief Operating Officer", "G10", ("Operations", "Customer Experience")),
    ExecutiveSpec("Chief Marketing Officer", "G9", ("Marketing",)),
    ExecutiveSpec("Chief Financial Officer", "G10", ("Finance", "Legal & Risk")),
    ExecutiveSpec("Chief People Officer", "G9", ("People & Culture",)),
    ExecutiveSpec("Chief Strategy Officer", "G9", ("Strategy",)),
)
SPONSOR_TITLE = "Chief People Officer"

SPECIALIST_GRADE_WEIGHTS = {"G1": 0.14, "G2": 0.28, "G3": 0.32, "G4": 0.26}
# Years of working life by grade; tenure at Northwind is a share of it, so seniors have been here longer.
EXPERIENCE_YEARS = {
    "G1": (0, 2), "G2": (1, 5), "G3": (3, 12), "G4": (5, 20), "G5": (8, 18),
    "G6": (10, 22), "G7": (12, 25), "G8": (14, 28), "G9": (16, 30), "G10": (18, 34),
}  # fmt: skip
# Years before a working life starts: study, caring, another career (exponential, this mean).
MEAN_LATE_START_YEARS = 3.0
LEAVER_SHARE_OF_SPECIALISTS = 0.045
MAX_SPAN = 10


# --- Skills ---------------------------------------------------------------------------------------

CATEGORIES = (
    "digital-technology",
    "social-media-marketing",
    "data-ai",
    "diversity-inclusion",
    "culture-generations",
    "leadership-business",
)
# Bands: juniors G1–G4, middle G5–G6, seniors G7–G10. How often each category comes up, and how well it is known.
CATEGORY_WEIGHTS = {
    "junior": (0.26, 0.22, 0.22, 0.1, 0.12, 0.08),
    "middle": (0.15, 0.11, 0.14, 0.15, 0.15, 0.3),
    "senior": (0.06, 0.05, 0.08, 0.16, 0.13, 0.52),
}
LEVEL_MEANS = {
    "junior": (3.5, 3.4, 3.2, 2.7, 3.1, 1.8),
    "middle": (2.7, 2.4, 2.6, 2.9, 2.8, 3.2),
    "senior": (1.8, 1.6, 2.0, 2.8, 2.6, 4.1),
}
ZIPF_EXPONENT = 0.9


def _band(grade: str) -> str:
    rank = int(grade[1:])
    return "junior" if rank <= 4 else "middle" if rank <= 6 else "senior"


# --- The plan: everything decided in memory before a single write --------------------------------


@dataclass
class PlannedPerson:
    employee_id: str
    grade: str
    job_title: str
    department: str | None
    site: SiteSpec
    manager: PlannedPerson | None
    depth: int
    given_name: str = ""
    family_name: str = ""
    email: str = ""
    gender: str = ""
    culture: str = ""
    age: float = 0.0
    hire_date: date = REFERENCE_DATE
    languages: list[str] = field(default_factory=list)
    end_date: date | None = None
    skills: dict[str, int] = field(default_factory=dict)
    sensitive: dict[str, Any] | None = None

    @property
    def is_leaver(self) -> bool:
        return self.end_date is not None


class _Planner:
    """Draws the whole organisation from one random generator, in a fixed order."""

    def __init__(self, *, employees: int, seed: int, skills_by_category: dict[str, list[str]]) -> None:
        self.employees = employees
        self.random = random.Random(seed)
        self.skills_by_category = skills_by_category
        self.zipf_weights = {
            slug: [1 / (rank**ZIPF_EXPONENT) for rank in range(1, len(skills) + 1)] for slug, skills in skills_by_category.items()
        }
        self.people: list[PlannedPerson] = []
        self.emails: set[str] = set()

    def plan(self) -> list[PlannedPerson]:
        department_count = max(2, min(len(DEPARTMENTS), self.employees // 12))
        departments = DEPARTMENTS[:department_count]
        used = {department.name for department in departments}
        executives = [spec for spec in EXECUTIVES if used.intersection(spec.departments)]
        ceo = self._add(grade="G10", job_title="Chief Executive Officer", department=None, site=SITE_BY_NAME["London"], manager=None)
        headcounts = self._headcounts(departments, self.employees - 1 - len(executives))
        for spec in executives:
            site = SITE_BY_NAME[self._pick({"London": 0.6, "New York": 0.25, "Singapore": 0.15})]
            owned = [department for department in departments if department.name in spec.departments]
            executive = self._add(grade=spec.grade, job_title=spec.title, department=owned[0].name, site=site, manager=ceo)
            for index, department in enumerate(owned):
                # An executive heading several departments keeps a place in one span of control for each.
                room = MAX_SPAN - sum(1 for person in self.people if person.manager is executive) - (len(owned) - index - 1)
                self._plan_department(department, headcounts[department.name], executive, room=room)
        for person in self.people:
            self._describe(person)
        return self.people

    def _headcounts(self, departments: Sequence[DepartmentSpec], total: int) -> dict[str, int]:
        """Share ``total`` between departments by jittered weight, largest remainder first, one each at least."""
        weights = [department.weight * self.random.uniform(0.85, 1.15) for department in departments]
        counts = _apportion(total - len(departments), weights)
        return {department.name: count + 1 for department, count in zip(departments, counts, strict=True)}

    def _plan_department(self, department: DepartmentSpec, headcount: int, executive: PlannedPerson, *, room: int) -> None:
        """Directors, managers and team leads over specialists, sized bottom-up so spans stay near 4–10.

        Up to ``room`` specialists report straight to the executive, without a team lead.
        """
        team_leads = 0 if headcount <= room else max(1, round(headcount / self.random.uniform(7.0, 8.5)))
        managers = 0 if team_leads <= 6 else max(2, round(team_leads / self.random.uniform(4.5, 6.0)))
        directors = 0 if managers <= 5 else max(2, round(managers / self.random.uniform(3.5, 5.0)))
        directors, managers, team_leads = _widen_layers(headcount, [directors, managers, team_leads], room=room)
        specialists = headcount - team_leads - managers - directors
        site_weights = {site.name: site.weight * department.site_boosts.get(site.name, 1.0) for site in SITES}
        areas = list(department.areas)
        self.random.shuffle(areas)

        layer: list[tuple[PlannedPerson, str]] = [(executive, "")]
        for count, kind in ((directors, "director"), (managers, "manager"), (team_leads, "team lead"), (specialists, "specialist")):
            if count == 0:
                continue
            next_layer: list[tuple[PlannedPerson, str]] = []
            spans = _spread(count, [self.random.uniform(0.7, 1.3) for _ in layer], cap=MAX_SPAN)
            for (parent, parent_area), span in zip(layer, spans, strict=True):
                for _ in range(span):
                    stays = parent is not executive and self.random.random() < {"manager": 0.7, "team lead": 0.75}.get(kind, 0.85)
                    site = parent.site if stays else SITE_BY_NAME[self._pick(site_weights)]
                    area = parent_area if parent_area and self.random.random() < 0.6 else areas[len(next_layer) % len(areas)]
                    grade, title = self._role(kind, department, area)
                    next_layer.append(
                        (self._add(grade=grade, job_title=title, department=department.name, site=site, manager=parent), area)
                    )
            layer = next_layer

    def _role(self, kind: str, department: DepartmentSpec, area: str) -> tuple[str, str]:
        if kind == "director":
            return "G8", f"Director, {area}"
        if kind == "manager":
            return ("G7", f"Senior {area} Manager") if self.random.random() < 0.4 else ("G6", f"{area} Manager")
        if kind == "team lead":
            return "G5", f"{area} Team Lead"
        grade = self._pick(SPECIALIST_GRADE_WEIGHTS)
        title = self.random.choice(department.specialist_titles)
        prefix = {"G1": "Graduate ", "G2": "Associate ", "G3": "", "G4": "Senior "}[grade]
        return grade, prefix + title

    def _add(self, *, grade: str, job_title: str, department: str | None, site: SiteSpec, manager: PlannedPerson | None) -> PlannedPerson:
        person = PlannedPerson(
            employee_id=f"NW{len(self.people) + 1:05d}",
            grade=grade,
            job_title=job_title,
            department=department,
            site=site,
            manager=manager,
            depth=manager.depth + 1 if manager else 0,
        )
        self.people.append(person)
        return person

    def _describe(self, person: PlannedPerson) -> None:
        """Name, tenure, languages, leaving, skills and (for some) sensitive answers."""
        department = next((spec for spec in DEPARTMENTS if spec.name == person.department), None)
        rank = int(person.grade[1:])
        women_share = (department.women_share if department else 0.45) * (1.0 if rank <= 4 else 0.88 if rank <= 6 else 0.72)
        is_woman = self.random.random() < women_share
        person.culture = self._pick(person.site.cultures)
        culture = CULTURES[person.culture]
        person.given_name = self.random.choice(culture.women if is_woman else culture.men)
        person.family_name = self.random.choice(culture.families)
        person.gender = "Woman" if is_woman else "Man"
        person.email = self._unique_email(person.given_name, person.family_name)

        low, high = EXPERIENCE_YEARS[person.grade]
        experience_years = self.random.uniform(low, high)
        tenure_years = max(0.1, experience_years * self.random.uniform(0.35, 1.0))
        person.age = 20 + min(20.0, self.random.expovariate(1 / MEAN_LATE_START_YEARS)) + experience_years
        person.hire_date = REFERENCE_DATE - timedelta(days=round(tenure_years * 365.25))
        person.languages = self._languages(person, culture)

        tenure_days = (REFERENCE_DATE - person.hire_date).days
        if rank <= 4 and tenure_days > 90 and self.random.random() < LEAVER_SHARE_OF_SPECIALISTS:
            # Left between two weeks and eighteen months ago, at least two months after joining.
            person.end_date = REFERENCE_DATE - timedelta(days=self.random.randint(14, min(540, tenure_days - 60)))
        person.skills = self._skills(person, department)
        if self.random.random() < SENSITIVE_OPT_IN_SHARE:
            person.sensitive = self._sensitive_answers(person)

    def _languages(self, person: PlannedPerson, culture: Culture) -> list[str]:
        languages = ["en"]
        if culture.languages and self.random.random() < culture.language_share:
            languages.append(self.random.choice(culture.languages))
        if person.site.local_languages and self.random.random() < person.site.local_language_share:
            languages.append(self.random.choice(person.site.local_languages))
        if self.random.random() < 0.12:
            languages.append(self.random.choice(EXTRA_LANGUAGES))
        return list(dict.fromkeys(languages))

    def _skills(self, person: PlannedPerson, department: DepartmentSpec | None) -> dict[str, int]:
        band = _band(person.grade)
        boosts = department.skill_boosts if department else ("leadership-business",)
        weights = [
            weight * (1.6 if category in boosts else 1.0) for category, weight in zip(CATEGORIES, CATEGORY_WEIGHTS[band], strict=True)
        ]
        wanted = self.random.randint(4, 10)
        levels: dict[str, int] = {}
        for _ in range(wanted * 20):  # bounded: popular skills are drawn again and again
            if len(levels) == wanted:
                break
            index = self.random.choices(range(len(CATEGORIES)), weights=weights)[0]
            category = CATEGORIES[index]
            slug = self.random.choices(self.skills_by_category[category], weights=self.zipf_weights[category])[0]
            if slug in levels:
                continue
            mean = LEVEL_MEANS[band][index] + (0.4 if category in boosts else 0.0)
            levels[slug] = max(1, min(5, round(self.random.gauss(mean, 0.8))))
        return levels

    def _sensitive_answers(self, person: PlannedPerson) -> dict[str, Any]:
        roll = self.random.random()
        gender = "Non-binary" if roll < 0.015 else "" if roll < 0.045 else person.gender
        ethnicity = self._pick(ETHNICITY_BY_CULTURE[person.culture])
        roll = self.random.random()
        has_disability = True if roll < 0.07 else None if roll < 0.12 else False
        if self.random.random() < 0.06:
            is_under_represented = None
        else:
            # A self-assessment: not every woman answers yes, whoever belongs to a minority where they work does.
            is_under_represented = (
                gender == "Non-binary"
                or (gender == "Woman" and self.random.random() < 0.5)
                or (ethnicity != "" and ethnicity not in MAJORITY_ETHNICITIES[person.site.country])
                or has_disability is True
            )
        age_band = "" if self.random.random() < 0.05 else _age_band(person.age)
        return {
            "gender": gender,
            "ethnicity": ethnicity,
            "has_disability": has_disability,
            "is_under_represented": is_under_represented,
            "age_band": age_band,
        }

    def _unique_email(self, given_name: str, family_name: str) -> str:
        local = f"{_email_part(given_name)}.{_email_part(family_name)}"
        candidate, suffix = local, 2
        while candidate in self.emails:
            candidate, suffix = f"{local}{suffix}", suffix + 1
        self.emails.add(candidate)
        return f"{candidate}@{DEMO_EMAIL_DOMAIN}"

    def _pick(self, weights: dict[str, float]) -> str:
        return self.random.choices(list(weights), weights=list(weights.values()))[0]


def _apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainder), so the parts add up exactly.

    >>> _apportion(10, [1, 1, 2])
    [3, 2, 5]
    """
    scale = sum(weights)
    exact = [total * weight / scale for weight in weights]
    counts = [int(share) for share in exact]
    by_remainder = sorted(range(len(weights)), key=lambda index: (counts[index] - exact[index], index))
    for index in by_remainder[: total - sum(counts)]:
        counts[index] += 1
    return counts


def _widen_layers(headcount: int, layers: list[int], *, room: int) -> list[int]:
    """Add managers until nobody would have more than ``MAX_SPAN`` reports (the top layer at most ``room``).

    ``layers`` counts directors, managers and team leads (0 for a layer the department skips);
    everyone else is a specialist. Returns the adjusted counts in the same order.

    >>> _widen_layers(12, [0, 0, 1], room=10)
    [0, 0, 2]
    >>> _widen_layers(30, [0, 0, 0], room=2)
    [0, 1, 3]
    """
    counts = list(layers)
    while True:
        below = [*counts[1:], headcount - sum(counts)]
        crowded = next((index for index in reversed(range(3)) if counts[index] and below[index] > counts[index] * MAX_SPAN), None)
        if crowded is not None:
            counts[crowded] += 1
            continue
        top = next((index for index in range(3) if counts[index]), 3)
        top_count = counts[top] if top < 3 else headcount
        if top_count <= room or top == 0:
            return counts
        counts[top - 1] = 1  # a new layer above; the loop then widens it as needed


def _spread(total: int, weights: Sequence[float], *, cap: int) -> list[int]:
    """Apportion ``total`` by ``weights``, then even out any part above ``cap`` while another has room.

    >>> _spread(20, [3, 1], cap=10)
    [10, 10]
    """
    counts = _apportion(total, weights)
    while max(counts) > cap and min(counts) < cap:
        counts[counts.index(max(counts))] -= 1
        counts[counts.index(min(counts))] += 1
    return counts


def _age_band(age: float) -> str:
    if age < 25:
        return AgeBand.UNDER_25
    if age < 35:
        return AgeBand.FROM_25_TO_34
    if age < 45:
        return AgeBand.FROM_35_TO_44
    if age < 55:
        return AgeBand.FROM_45_TO_54
    return AgeBand.FROM_55


_TRANSLITERATION = str.maketrans({"ı": "i", "ß": "ss", "ø": "o", "æ": "ae", "ł": "l", "'": "", " ": "-"})


def _email_part(name: str) -> str:
    """An ASCII mailbox part: ``"O'Brien"`` → ``obrien``, ``"Yılmaz"`` → ``yilmaz``, ``"da Silva"`` → ``da-silva``.

    >>> _email_part("Çelik"), _email_part("Wei Ling")
    ('celik', 'wei-ling')
    """
    decomposed = unicodedata.normalize("NFKD", name.lower().translate(_TRANSLITERATION))
    return "".join(character for character in decomposed if character.isascii() and (character.isalnum() or character == "-"))


# --- Writing it through the services --------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str
    person_name: str = ""
    job_title: str = ""


@dataclass(frozen=True)
class DemoOrganisation:
    organisation: Organisation
    created: bool
    people: int
    leavers: int
    departments: int
    sites: int
    logins: list[DemoLogin]


@dataclass(frozen=True)
class LoginSpec:
    mailbox: str
    role: AccountRole
    description: str

    @property
    def email(self) -> str:
        return f"{self.mailbox}@{DEMO_EMAIL_DOMAIN}"


LOGINS: tuple[LoginSpec, ...] = (
    LoginSpec("admin", AccountRole.ADMIN, "administrator"),
    LoginSpec("pm", AccountRole.PROGRAM_MANAGER, "program manager"),
    LoginSpec("sponsor", AccountRole.SPONSOR, "executive sponsor"),
    LoginSpec("mentor", AccountRole.PARTICIPANT, "participant, a junior who could mentor"),
    LoginSpec("mentee", AccountRole.PARTICIPANT, "participant, a senior leader who could be mentored"),
)


def seed_demo_organisation(*, employees: int = 2000, seed: int = 1, reset: bool = False) -> DemoOrganisation:
    """Create the demo organisation unless it exists (then change nothing); ``reset`` deletes and recreates it.

    One transaction: a failure leaves no half-loaded organisation. Needs the skill taxonomy (migration 0002).
    """
    if not MIN_EMPLOYEES <= employees <= MAX_EMPLOYEES:
        raise ValueError(f"employees must be between {MIN_EMPLOYEES} and {MAX_EMPLOYEES}; got {employees}")
    with transaction.atomic():
        existing = Organisation.objects.filter(slug=DEMO_SLUG).first()
        if existing is not None and not reset:
            return describe_demo_organisation(organisation=existing, created=False)
        if existing is not None:
            delete_organisation(organisation=existing)
        organisation = _create_demo_organisation(employees=employees, seed=seed)
        return describe_demo_organisation(organisation=organisation, created=True)


def _create_demo_organisation(*, employees: int, seed: int) -> Organisation:
    skills = list(Skill.objects.select_related("category").order_by("pk"))
    skills_by_category: dict[str, list[str]] = {category: [] for category in CATEGORIES}
    for skill in skills:
        skills_by_category.setdefault(skill.category.slug, []).append(skill.slug)
    missing = [category for category in CATEGORIES if not skills_by_category[category]]
    if missing:
        raise ValueError(f"The skill taxonomy has no skills in {', '.join(missing)}; run the migrations first.")
    plan = _Planner(employees=employees, seed=seed, skills_by_category=skills_by_category).plan()

    organisation = create_organisation(name=DEMO_NAME, slug=DEMO_SLUG)
    grades = {grade.code: grade for grade in ensure_grade_ladder(organisation=organisation)}
    departments: dict[str, Department] = {}
    for spec in DEPARTMENTS:
        if any(planned.department == spec.name for planned in plan):
            departments[spec.name] = department_named(organisation=organisation, name=spec.name)
    sites: dict[str, Site] = {}
    for site_spec in SITES:
        if any(planned.site is site_spec for planned in plan):
            sites[site_spec.name] = site_named(organisation=organisation, name=site_spec.name)

    saved = _create_people(organisation=organisation, plan=plan, grades=grades, departments=departments, sites=sites)
    skill_by_slug = {skill.slug: skill for skill in skills}
    set_skill_levels_for_people(
        levels_by_person={
            saved[planned.employee_id]: {skill_by_slug[slug]: level for slug, level in planned.skills.items()} for planned in plan
        }
    )
    for planned in plan:
        if planned.sensitive is not None:
            record_sensitive_profile(
                person=saved[planned.employee_id],
                consent_purpose=SENSITIVE_PURPOSE,
                consent_legal_basis=SENSITIVE_LEGAL_BASIS,
                **planned.sensitive,
            )
    _create_logins(organisation=organisation, plan=plan, saved=saved)
    return organisation


def _create_people(
    *,
    organisation: Organisation,
    plan: list[PlannedPerson],
    grades: dict[str, Grade],
    departments: dict[str, Department],
    sites: dict[str, Site],
) -> dict[str, Person]:
    """Insert the plan one level of the hierarchy at a time, so every manager exists before their reports."""
    saved: dict[str, Person] = {}
    for depth in range(max(planned.depth for planned in plan) + 1):
        level = [planned for planned in plan if planned.depth == depth]
        rows = [
            {
                "employee_id": planned.employee_id,
                "manager": saved[planned.manager.employee_id] if planned.manager else None,
                "given_name": planned.given_name,
                "family_name": planned.family_name,
                "email": planned.email,
                "job_title": planned.job_title,
                "grade": grades[planned.grade],
                "department": departments[planned.department] if planned.department else None,
                "site": sites[planned.site.name],
                "country": planned.site.country,
                "timezone": planned.site.timezone,
                "hire_date": planned.hire_date,
                "languages": planned.languages,
                "employment_status": EmploymentStatus.LEAVER if planned.is_leaver else EmploymentStatus.ACTIVE,
                "end_date": planned.end_date,
            }
            for planned in level
        ]
        for person in create_people(organisation=organisation, people=rows):
            saved[person.employee_id] = person
    return saved


def _create_logins(*, organisation: Organisation, plan: list[PlannedPerson], saved: dict[str, Person]) -> None:
    """The demo's sign-ins, each linked to a fitting person of the plan when there is one."""
    active = [planned for planned in plan if not planned.is_leaver]
    executives = [planned for planned in active if planned.depth == 1]
    sponsor = next((planned for planned in executives if planned.job_title == SPONSOR_TITLE), executives[0])
    program_manager = next(
        (planned for planned in active if planned.department == "People & Culture" and planned.grade in {"G5", "G6"}),
        next((planned for planned in active if planned.grade in {"G5", "G6"}), None),
    )
    mentor = next(
        (planned for planned in active if planned.grade in {"G2", "G3"} and planned.department in {"Marketing", "Technology"}),
        next((planned for planned in active if int(planned.grade[1:]) <= 4), None),
    )

    def outside_the_line(planned: PlannedPerson) -> bool:
        """The mentor and mentee sign-ins are partners in the running demo program: the senior is outside the junior's
        reporting line, so the pair passes the matching rules."""
        return mentor is None or not _reports_to(mentor, planned)

    mentee = next(
        (planned for planned in active if planned.grade == "G8" and outside_the_line(planned)),
        next((planned for planned in executives if planned is not sponsor and outside_the_line(planned)), None),
    )
    people: dict[str, PlannedPerson | None] = {"admin": None, "pm": program_manager, "sponsor": sponsor, "mentor": mentor, "mentee": mentee}
    for login in LOGINS:
        planned = people[login.mailbox]
        full_name = f"{planned.given_name} {planned.family_name}" if planned else "Demo Administrator"
        user = create_user(organisation=organisation, email=login.email, role=login.role, full_name=full_name, password=DEMO_PASSWORD)
        if planned is not None:
            link_user(person=saved[planned.employee_id], user=user)


def _reports_to(person: PlannedPerson, senior: PlannedPerson) -> bool:
    """Whether ``senior`` is above ``person`` in the reporting line (or is them)."""
    manager: PlannedPerson | None = person
    while manager is not None:
        if manager is senior:
            return True
        manager = manager.manager
    return False


def describe_demo_organisation(*, organisation: Organisation, created: bool) -> DemoOrganisation:
    """Counts and sign-ins of the demo organisation, for the command's summary."""
    people = Person.objects.filter(organisation=organisation)
    users = {user.email: user for user in User.objects.filter(organisation=organisation).select_related("person")}
    logins = []
    for login in LOGINS:
        user = users.get(login.email)
        if user is None:
            continue
        person: Person | None = getattr(user, "person", None)
        logins.append(
            DemoLogin(
                email=login.email,
                role=login.description,
                person_name=person.full_name if person else "",
                job_title=person.job_title if person else "",
            )
        )
    statuses = Counter(people.values_list("employment_status", flat=True))
    return DemoOrganisation(
        organisation=organisation,
        created=created,
        people=sum(statuses.values()),
        leavers=statuses[EmploymentStatus.LEAVER],
        departments=Department.objects.filter(organisation=organisation).count(),
        sites=Site.objects.filter(organisation=organisation).count(),
        logins=logins,
    )
