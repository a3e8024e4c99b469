"""Schemas named by the `.model` files of fixtures/schema/ (`schema_models:Name`).

Each fixture's `.model` holds one line `schema_models:<Name>`; the runner puts tests/ on
sys.path, imports this module and hands the attribute to `repair.loads(text, schema=...)`.
Every model keeps pydantic's default config (extra keys ignored) unless its docstring
says otherwise. The MetaGPT nodes are built with `create_model` and field names with
spaces, exactly as MetaGPT's ActionNode builds its validation models.
"""

from dataclasses import dataclass
from enum import Enum
from typing import Literal, Optional

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, create_model
from typing_extensions import TypedDict

# ---------------------------------------------------------------------------- MetaGPT nodes
# WritePRD, WriteDesign and WriteTasks outputs: every node is required, keys have spaces.
PRD = create_model(
    "PRD",
    **{
        "Language": (str, ...),
        "Programming Language": (str, ...),
        "Original Requirements": (str, ...),
        "Project Name": (str, ...),
        "Product Goals": (list[str], ...),
        "User Stories": (list[str], ...),
        "Competitive Analysis": (list[str], ...),
        "Requirement Analysis": (str, ...),
        "Requirement Pool": (list[list[str]], ...),
        "UI Design draft": (str, ...),
        "Anything UNCLEAR": (str, ...),
    },
)

DesignAPI = create_model(
    "DesignAPI",
    **{
        "Implementation approach": (str, ...),
        "File list": (list[str], ...),
        "Data structures and interfaces": (str, ...),
        "Program call flow": (str, ...),
        "Anything UNCLEAR": (str, ...),
    },
)

ProjectTasks = create_model(
    "ProjectTasks",
    **{
        "Required Python packages": (list[str], ...),
        "Required Other language third-party packages": (list[str], ...),
        "Logic Analysis": (list[list[str]], ...),
        "Task list": (list[str], ...),
        "Full API spec": (str, ...),
        "Shared Knowledge": (str, ...),
        "Anything UNCLEAR": (str, ...),
    },
)


class PRDAliased(BaseModel):
    """A hand-written PRD node: Python names, the MetaGPT keys as aliases."""

    original_requirements: str = Field(alias="Original Requirements")
    product_goals: list[str] = Field(alias="Product Goals")
    anything_unclear: str = Field(alias="Anything UNCLEAR")


# ---------------------------------------------------------------------------- people and users
class Person(BaseModel):
    name: str
    age: int


People = list[Person]


class ContactCard(BaseModel):
    name: str
    handle: str
    age: int


ContactCards = list[ContactCard]


class UserProfile(BaseModel):
    first_name: str
    last_name: str
    email_address: str
    phone_number: Optional[str] = None
    date_of_birth: Optional[str] = None


class AccountRecord(BaseModel):
    user_name: str
    account_type: str
    created_at: str


class Address(BaseModel):
    street: str
    city: str
    postal_code: str
    country: str


class Member(BaseModel):
    name: str
    email: str
    address: Address


class Contact(BaseModel):
    """AliasChoices: the first choice names the key."""

    full_name: str
    email: str = Field(validation_alias=AliasChoices("email", "mail"))
    phone: Optional[str] = Field(default=None, validation_alias=AliasChoices("phone", "mobile", "tel"))


class PhoneContact(BaseModel):
    name: str
    phone1: Optional[str] = None
    phone2: Optional[str] = None


class CrmLead(BaseModel):
    """validation_alias as a plain string."""

    customer_name: str = Field(validation_alias="customerName")
    company: str
    deal_value: float = Field(validation_alias="dealValue")


class ApiUser(BaseModel):
    """alias (validation and serialization)."""

    user_id: int = Field(alias="userId")
    display_name: str = Field(alias="displayName")
    role: Literal["admin", "editor", "viewer"]


class Employee(BaseModel):
    name: str
    middle_name: Optional[str] = None
    manager_id: Optional[int] = None
    department: str


class Notification(BaseModel):
    recipient_email_address: str
    subject: str
    body: str


class Event(BaseModel):
    """Keeps extra keys."""

    model_config = ConfigDict(extra="allow")

    event_name: str
    event_date: str


class PaymentIntent(BaseModel):
    """Forbids extra keys."""

    model_config = ConfigDict(extra="forbid")

    amount_cents: int
    currency: Literal["usd", "eur", "gbp"]
    customer_id: str


class HttpRequest(BaseModel):
    method: Literal["GET", "POST", "PUT", "DELETE"]
    url: str
    headers: dict[str, str]


# ---------------------------------------------------------------------------- invoices and orders
class Product(BaseModel):
    sku_code: str
    product_name: str


class LineItem(BaseModel):
    product: Product
    quantity: int
    unit_price: float


class BillingAddress(BaseModel):
    street_line: str
    postal_code: str
    country_code: str


class Customer(BaseModel):
    customer_name: str
    billing_address: BillingAddress


class Invoice(BaseModel):
    invoice_number: str
    issue_date: str
    customer: Customer
    line_items: list[LineItem]
    total_amount: float
    paid: bool
    notes: Optional[str] = None


class OrderLine(BaseModel):
    sku: str
    quantity: int
    unit_price: float
    currency: Literal["USD", "EUR", "GBP"]


OrderLines = list[OrderLine]


class PackingLine(BaseModel):
    item: str
    quantity: int
    weight_kg: float


class DiscountOffer(BaseModel):
    code: str
    discount_rate: float = Field(ge=0, le=1)
    min_order: float


class WebStats(BaseModel):
    page: str
    page_views: int
    unique_visitors: int
    bounce_rate: float = Field(ge=0, le=1)


class Shipment(BaseModel):
    tracking_number: str
    weight: float
    weight_unit: Literal["kg", "lb"]
    fragile: bool
    signature_required: bool
    insured: bool


class Ticket(BaseModel):
    title: str
    tags: list[str]
    assignees: list[str]


class Meeting(BaseModel):
    title: str
    attendees: list[str]


class Note(BaseModel):
    title: str
    summary: str


class SensorReading(BaseModel):
    sensor_id: str
    temperature_c: float
    humidity: float = Field(ge=0, le=1)


# ---------------------------------------------------------------------------- tool calls
class WeatherArgs(BaseModel):
    city: str
    country_code: str
    units: Literal["metric", "imperial"]


class WeatherCall(BaseModel):
    name: Literal["get_weather"]
    arguments: WeatherArgs


# ---------------------------------------------------------------------------- labels and enums
Sentiment = Literal["positive", "negative", "neutral"]


class SentimentResult(BaseModel):
    text_id: str
    sentiment: Literal["positive", "negative", "neutral"]
    confidence: float = Field(ge=0, le=1)


class Priority(str, Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Status(str, Enum):
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class BugReport(BaseModel):
    title: str
    priority: Priority
    status: Status
    labels: list[Literal["bug", "feature", "docs", "security"]]


class ConsentCheck(BaseModel):
    question: str
    answer: Literal["yes", "no"]


class ImageLabel(BaseModel):
    image_id: str
    label: Literal["horse", "house", "mouse"]


class ReviewStage(BaseModel):
    document: str
    stage: Literal["Not Started", "In Review", "Approved"]
    reviewer: str


class SupportTriage(BaseModel):
    ticket_id: str
    category: Literal["billing", "technical", "account", "other"]
    summary: str


class Answer(BaseModel):
    question_id: str
    answer: int
    explanation: str


# ---------------------------------------------------------------------------- shape
class Classification(BaseModel):
    label: str
    score: float


class Envelope(BaseModel):
    """A model whose one field really is called `result`: nothing to unwrap."""

    result: Classification
    request_id: Optional[str] = None


# ---------------------------------------------------------------------------- other TypeAdapter types
@dataclass
class GeoPoint:
    place_name: str
    latitude: float
    longitude: float


class Movie(TypedDict):
    title: str
    release_year: int
    genres: list[str]
