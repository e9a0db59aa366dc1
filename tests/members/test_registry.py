import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from members import services
from members.enums import OrganisationKind, Role
from members.models import Country, Mandate, Organisation, Person
from tests import factories

pytestmark = pytest.mark.django_db
D = datetime.date


def test_person_email_is_unique_regardless_of_case():
    first = factories.person(email="Anna.Lindqvist@example.org")
    duplicate = Person(
        first_name="A", last_name="L", email="anna.lindqvist@EXAMPLE.org", organisation=first.organisation
    )

    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "A person with this email address is already in the registry." in str(error.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()
    assert Person.objects.count() == 1


def test_country_with_unknown_iso_code_is_refused():
    with pytest.raises(ValidationError) as error:
        Country(code="XX", name_en="Nowhere").full_clean()
    assert "“XX” is not an ISO 3166-1 alpha-2 country code." in error.value.message_dict["code"]


def test_country_code_is_stored_upper_case():
    assert factories.country("be").code == "BE"


def test_mandate_that_ends_before_it_starts_is_refused_by_form_and_database():
    person = factories.person()
    mandate = Mandate(
        person=person,
        organisation=person.organisation,
        role=Role.DEPUTY,
        start_date=D(2022, 5, 1),
        end_date=D(2022, 4, 1),
    )
    with pytest.raises(ValidationError) as error:
        mandate.full_clean()
    assert error.value.message_dict["end_date"] == ["A mandate cannot end before it starts."]
    with pytest.raises(IntegrityError), transaction.atomic():
        mandate.save()
    assert Mandate.objects.count() == 0


def test_overlapping_director_general_mandates_for_one_organisation_are_refused():
    first = factories.person(first_name="Bart", last_name="Raeymaekers")
    factories.mandate(first, start_date=D(2018, 1, 1))
    second = factories.person(first.organisation)
    clash = Mandate(
        person=second, organisation=first.organisation, role=Role.DIRECTOR_GENERAL, start_date=D(2022, 1, 1)
    )

    with pytest.raises(ValidationError) as error:
        clash.full_clean()
    assert error.value.messages == [
        f"{first.organisation} already has a director-general in that period: Bart Raeymaekers, since 2018-01-01. "
        "End that mandate first, or mark this one as acting."
    ]


def test_acting_director_general_may_overlap_the_director_general():
    first = factories.person()
    factories.mandate(first, start_date=D(2018, 1, 1))
    acting = Mandate(
        person=factories.person(first.organisation),
        organisation=first.organisation,
        role=Role.DIRECTOR_GENERAL,
        acting=True,
        start_date=D(2022, 1, 1),
        end_date=D(2022, 3, 31),
    )
    acting.full_clean()  # does not raise


def test_only_a_director_general_can_be_acting():
    person = factories.person()
    with pytest.raises(ValidationError) as error:
        Mandate(
            person=person, organisation=person.organisation, role=Role.DEPUTY, acting=True, start_date=D(2022, 1, 1)
        ).full_clean()
    assert error.value.message_dict["acting"] == ["Only a director-general can be acting."]


def test_appointing_a_new_director_general_ends_the_old_mandate_and_keeps_history():
    netherlands = factories.country("NL", name_en="Netherlands")
    old = factories.director(netherlands, first_name="Pieter", last_name="Bakker")
    new = factories.person(old.organisation, first_name="Marieke", last_name="de Vries")

    services.appoint(new, role=Role.DIRECTOR_GENERAL, start_date=D(2023, 7, 1))

    old_mandate = old.mandates.get()
    assert old_mandate.end_date == D(2023, 6, 30)
    on_29_march_2022 = services.representatives(netherlands, on=D(2022, 3, 29))
    assert [m.person.full_name for m in on_29_march_2022] == ["Pieter Bakker"]
    assert [m.person.full_name for m in services.representatives(netherlands, on=D(2023, 7, 1))] == ["Marieke de Vries"]
    assert old_mandate.history.count() == 2  # created, then ended


def test_appoint_refuses_a_bad_mandate_and_changes_nothing():
    person = factories.director()
    with pytest.raises(ValidationError):
        services.appoint(person, role=Role.DEPUTY, start_date=D(2022, 1, 1), acting=True)
    assert person.mandates.count() == 1


def test_deactivating_a_person_ends_open_mandates_and_their_login():
    person = factories.director()
    user = services.open_account(person)

    services.deactivate_person(person, on=D(2024, 2, 29))

    person.refresh_from_db()
    user.refresh_from_db()
    assert person.is_active is False
    assert user.is_active is False
    assert person.mandates.get().end_date == D(2024, 2, 29)
    assert Person.objects.filter(pk=person.pk).exists()


def test_crisis_centre_needs_a_country_and_eu_body_has_none():
    with pytest.raises(ValidationError) as error:
        Organisation(kind=OrganisationKind.CRISIS_CENTRE, name_en="X").full_clean()
    assert error.value.message_dict["country"] == ["A national crisis centre belongs to a country."]
    with pytest.raises(ValidationError) as error:
        Organisation(kind=OrganisationKind.EU_BODY, name_en="Council", country=factories.country()).full_clean()
    assert error.value.message_dict["country"] == ["An EU institution or body has no country."]


def test_overlapping_presidencies_are_refused():
    from members.models import Presidency

    Presidency.objects.create(country=factories.country("FR"), start_date=D(2022, 1, 1), end_date=D(2022, 6, 30))
    clash = Presidency(country=factories.country("CZ"), start_date=D(2022, 6, 1), end_date=D(2022, 12, 31))
    with pytest.raises(ValidationError) as error:
        clash.full_clean()
    assert "This term overlaps the Presidency of" in error.value.messages[0]


def test_presidency_on_a_day():
    from members.models import Presidency

    france = Presidency.objects.create(
        country=factories.country("FR"), start_date=D(2022, 1, 1), end_date=D(2022, 6, 30)
    )
    assert services.presidency_on(D(2022, 3, 29)) == france
    assert services.presidency_on(D(2022, 7, 1)) is None


def test_history_keeps_every_language_of_a_translated_field():
    organisation = factories.organisation(name_en="National Crisis Centre")
    organisation.name_fr = "Centre de crise National"
    organisation.save()

    latest = organisation.history.first()
    assert latest.name_fr == "Centre de crise National"
    assert latest.name_en == "National Crisis Centre"
    assert organisation.history.count() == 2
