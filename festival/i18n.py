"""Dutch and English texts for pages and mails, and dates written the way each language does.

Stdlib only. A missing key is a programming error and raises KeyError (tested: every key has
both languages).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Final

LANGUAGES = ("nl", "en")

MESSAGES: dict[str, dict[str, str]] = {
    "programme": {"nl": "Programma", "en": "Programme"},
    "morning_rounds": {"nl": "Parallelle sessies", "en": "Parallel sessions"},
    "plenary": {"nl": "Plenair programma", "en": "Plenary programme"},
    "other_items": {"nl": "Verder op het programma", "en": "Also on the programme"},
    "votes": {"nl": "Stemmen", "en": "Votes"},
    "vote_opens": {"nl": "Stemmen kan vanaf", "en": "Voting opens"},
    "nominees": {"nl": "Genomineerden", "en": "Nominees"},
    "hosted_by": {"nl": "Met", "en": "With"},
    "capacity": {"nl": "plaatsen", "en": "places"},
    "places_left": {"nl": "nog {n} plaatsen vrij", "en": "{n} places left"},
    "seats_left": {"nl": "nog {n} stoelen in de zaal", "en": "{n} seats left in the room"},
    "full": {"nl": "vol", "en": "full"},
    "unlimited": {"nl": "geen maximum", "en": "no limit"},
    "room": {"nl": "Zaal", "en": "Room"},
    "cancelled": {"nl": "Geannuleerd", "en": "Cancelled"},
    "minutes": {"nl": "min", "en": "min"},
    "watch_stream": {"nl": "Bekijk de livestream", "en": "Watch the livestream"},
    "ask_question": {
        "nl": "Een vraag aan één van de sprekers of panelleden?",
        "en": "A question for one of the speakers or panellists?",
    },
    "ask_external": {"nl": "Doe mee via deze link", "en": "Join through this link"},
    # {n} is a duration (`duration`): "loopt 1 uur 5 minuten uit".
    "running_late": {"nl": "loopt {n} uit", "en": "running {n} late"},
    "on_time": {"nl": "op schema", "en": "on time"},
    "times_in": {"nl": "Tijden in {zone}", "en": "Times in {zone}"},
    "your_time": {"nl": "jouw tijd", "en": "your time"},
    "practical": {"nl": "Praktische informatie", "en": "Practical information"},
    "venue": {"nl": "Locatie", "en": "Venue"},
    "organiser": {"nl": "Organisatie", "en": "Organiser"},
    "registration_period": {
        "nl": "Aanmelden kan van {opens} tot {closes}",
        "en": "Registration is open from {opens} to {closes}",
    },
    "free": {"nl": "Deelname is gratis.", "en": "Taking part is free."},
    "materials": {"nl": "Terugkijken", "en": "Watch again"},
    "recording": {"nl": "Opname", "en": "Recording"},
    "slides": {"nl": "Presentatie", "en": "Slides"},
    "topics": {"nl": "Onderwerpen", "en": "Topics"},
    "calendar": {
        "nl": "Zet het programma in je agenda",
        "en": "Add the programme to your calendar",
    },
    "language": {"nl": "Taal", "en": "Language"},
    "mode_online": {"nl": "Online", "en": "Online"},
    "mode_onsite": {"nl": "Op locatie", "en": "On site"},
    "mode_hybrid": {"nl": "Online en op locatie", "en": "Online and on site"},
    "skip_to_content": {"nl": "Naar de inhoud", "en": "Skip to content"},
    "not_found_title": {"nl": "Niet gevonden", "en": "Not found"},
    "not_found_text": {
        "nl": "Deze pagina bestaat niet (meer).",
        "en": "This page does not exist (any more).",
    },
    "error_title": {"nl": "Er ging iets mis", "en": "Something went wrong"},
    "error_text": {
        "nl": "Probeer het over een paar minuten opnieuw. De organisatie is op de hoogte.",
        "en": "Please try again in a few minutes. The organisers have been told.",
    },
    "unavailable_title": {"nl": "Even niet beschikbaar", "en": "Temporarily unavailable"},
    "unavailable_text": {
        "nl": "We kunnen op dit moment niets opslaan, dus er is niets bewaard. "
        "Probeer het over een minuut opnieuw.",
        "en": "We cannot store anything right now, so nothing was saved. "
        "Please try again in a minute.",
    },
    "full_waitlist": {
        "nl": "vol — aanmelden zet je op de wachtlijst",
        "en": "full — registering puts you on the waitlist",
    },
    "register": {"nl": "Aanmelden", "en": "Register"},
    "other_editions": {"nl": "Andere edities", "en": "Other editions"},
    "edition_upcoming": {"nl": "binnenkort", "en": "coming up"},
    "edition_live": {"nl": "nu bezig", "en": "happening now"},
    "edition_past": {"nl": "voorbij", "en": "past"},
    "archive": {"nl": "Archief", "en": "Archive"},
    "archive_lead": {
        "nl": "Deze editie is voorbij. Hier vind je het verslag, de opnames en presentaties en de beantwoorde vragen; het programma staat eronder.",
        "en": "This edition is over. Here are the report, the recordings and slides and the questions answered; the programme is below.",
    },
    "archive_report": {"nl": "Verslag", "en": "Report"},
    "archive_whole_day": {"nl": "De hele dag", "en": "The whole day"},
    "archive_closed_title": {"nl": "Archief van {festival}", "en": "Archive of {festival}"},
    # {date} is a long date, {time} a wall-clock time in the festival's zone {zone}.
    "archive_opens": {
        "nl": "Het archief opent na afloop: vanaf {date}, {time} ({zone}) vind je hier de opnames, de presentaties en de beantwoorde vragen.",
        "en": "The archive opens after the day: from {date}, {time} ({zone}) you will find the recordings, the slides and the questions answered here.",
    },
    "to_programme": {"nl": "Naar het programma", "en": "To the programme"},
    "answered_questions": {"nl": "Beantwoorde vragen", "en": "Questions answered"},
    "question_to": {"nl": "aan {speaker}", "en": "to {speaker}"},
    "asked_by": {"nl": "gesteld door {name}", "en": "asked by {name}"},
    "asked_anonymously": {"nl": "anoniem gesteld", "en": "asked anonymously"},
    "already_registered": {
        "nl": "Dit e-mailadres is al aangemeld. We hebben je persoonlijke link opnieuw gemaild.",
        "en": "This e-mail address is already registered. We have mailed your personal link again.",
    },
    "fix_errors": {
        "nl": "Verbeter de gemarkeerde velden.",
        "en": "Please correct the marked fields.",
    },
    # The error summary's heading after a refused registration form: one field, or {n}.
    "errors_in_field": {
        "nl": "Er ging iets mis bij 1 veld",
        "en": "There is a problem with 1 field",
    },
    "errors_in_fields": {
        "nl": "Er ging iets mis bij {n} velden",
        "en": "There are problems with {n} fields",
    },
    "field_name": {"nl": "Naam", "en": "Name"},
    "field_email": {"nl": "E-mailadres", "en": "E-mail address"},
    "field_organisation": {"nl": "Organisatie (optioneel)", "en": "Organisation (optional)"},
    "field_mode": {"nl": "Hoe doe je mee?", "en": "How will you take part?"},
    "no_session": {"nl": "Geen sessie", "en": "No session"},
    "consent_text": {
        "nl": "Ik geef toestemming om mijn naam, e-mailadres en keuzes te bewaren voor dit festival. Ik kan ze altijd inzien en wissen via mijn persoonlijke pagina.",
        "en": "I agree that my name, e-mail address and choices are kept for this festival. I can see and erase them at any time from my personal page.",
    },
    "my_page": {"nl": "Mijn aanmelding", "en": "My registration"},
    "hello": {"nl": "Hallo {name}", "en": "Hello {name}"},
    "keep_link": {
        "nl": "Bewaar de link naar deze pagina: het is je persoonlijke toegang.",
        "en": "Keep the link to this page: it is your personal access.",
    },
    "my_sessions": {"nl": "Mijn sessies", "en": "My sessions"},
    "status_confirmed": {"nl": "plaats bevestigd", "en": "place confirmed"},
    "status_waitlisted": {"nl": "wachtlijst, plaats {n}", "en": "waitlist, position {n}"},
    "status_cancelled": {
        "nl": "gaat niet door: uit het programma gehaald",
        "en": "cancelled: taken off the programme",
    },
    "my_calendar": {"nl": "Mijn agenda", "en": "My calendar"},
    "calendar_personal": {
        "nl": "Je eigen sessies en het plenaire programma, bijgewerkt als er iets verandert. De link is persoonlijk: deel hem niet.",
        "en": "Your own sessions and the plenary, kept up to date when anything changes. The link is personal: do not share it.",
    },
    "calendar_subscribe": {
        "nl": "Abonneer je agenda op je eigen programma",
        "en": "Subscribe your calendar to your own programme",
    },
    "calendar_download": {
        "nl": "Of download het als bestand (.ics)",
        "en": "Or download it as a file (.ics)",
    },
    "promoted": {
        "nl": "Je bent van de wachtlijst doorgeschoven.",
        "en": "You moved up from the waitlist.",
    },
    "join_now": {"nl": "Nu meedoen", "en": "Join now"},
    "link_from": {"nl": "De link opent om {time}", "en": "The link opens at {time}"},
    # -- giving a place back from a mail (/me/TOKEN/release/ITEM) ----------------------------
    "release_title": {"nl": "Plaats teruggeven", "en": "Give your place back"},
    "release_link": {
        "nl": "Kun je toch niet? Geef je plaats terug",
        "en": "Can't make it? Give your place back",
    },
    "release_confirmed": {
        "nl": "Kun je niet komen? Geef je plaats in {item} terug, dan gaat die meteen naar de "
        "eerste op de wachtlijst.",
        "en": "Can't come? Give your place in {item} back and it goes to the first on the "
        "waitlist at once.",
    },
    "release_waitlisted": {
        "nl": "Je staat op de wachtlijst van {item}. Met deze knop ga je van de wachtlijst af.",
        "en": "You are on the waitlist of {item}. This button takes you off the waitlist.",
    },
    "release_button": {"nl": "Mijn plaats teruggeven", "en": "Give my place back"},
    "release_leave_button": {"nl": "Van de wachtlijst af", "en": "Leave the waitlist"},
    "release_done": {
        "nl": "Je plaats in {item} is teruggegeven. Dank je wel!",
        "en": "Your place in {item} has been given back. Thank you!",
    },
    "release_left": {
        "nl": "Je staat niet meer op de wachtlijst van {item}.",
        "en": "You are no longer on the waitlist of {item}.",
    },
    "release_no_place": {
        "nl": "Je hebt geen plaats in {item} (meer).",
        "en": "You hold no place in {item} (any more).",
    },
    "release_unchanged": {"nl": "Er is niets veranderd.", "en": "Nothing was changed."},
    # -- reconfirmation of places (/me/TOKEN/reconfirm, its mails, the personal page) ------
    "reconfirm_title": {"nl": "Je plaats bevestigen", "en": "Confirm your place"},
    "reconfirm_button": {"nl": "Ja, ik kom", "en": "Yes, I am coming"},
    # {deadline} is a date and time with the festival's zone: "dinsdag 17 november 2020, 09:00".
    "reconfirm_asked": {
        "nl": "Kom je nog? Bevestig je plaats vóór {deadline}. Wie niet bevestigt, gaat naar "
        "het eind van de wachtlijst en de plaats gaat naar de eerste die wacht.",
        "en": "Still coming? Confirm your place before {deadline}. A place not confirmed by "
        "then goes to the first on the waitlist, and its holder to the end of the waitlist.",
    },
    "reconfirm_confirmed": {
        "nl": "Dank je wel: je plaats is bevestigd. Tot dan!",
        "en": "Thank you: your place is confirmed. See you then!",
    },
    "reconfirm_done": {
        "nl": "Je hebt bevestigd dat je komt. Dank je wel!",
        "en": "You confirmed that you are coming. Thank you!",
    },
    "reconfirm_already": {
        "nl": "Je had je plaats al bevestigd.",
        "en": "You had confirmed your place already.",
    },
    "reconfirm_lapsed": {
        "nl": "Je plaats is niet vóór {deadline} bevestigd en is naar de wachtlijst gegaan. "
        "Komt er een plaats vrij, dan krijg je die vanzelf en hoor je het per mail.",
        "en": "Your place was not confirmed before {deadline} and went to the waitlist. "
        "Should a place come free, it is yours at once and you hear of it by mail.",
    },
    "reconfirm_nothing": {
        "nl": "Je hoeft niets te bevestigen: je plaatsen staan vast.",
        "en": "There is nothing for you to confirm: your places are yours.",
    },
    "reconfirm_later": {
        "nl": "Op {asks} vragen we je per mail je plaats te bevestigen, uiterlijk {deadline}.",
        "en": "On {asks} we ask you by mail to confirm your place, by {deadline} at the latest.",
    },
    "reconfirm_release": {
        "nl": "Geef je plaats in {item} terug",
        "en": "Give your place in {item} back",
    },
    "mail_reconfirm_subject": {"nl": "Kom je nog? {festival}", "en": "Still coming? {festival}"},
    "mail_reconfirm": {
        "nl": "{festival} is op {date}. Je hebt een plaats in:",
        "en": "{festival} is on {date}. You have a place in:",
    },
    "mail_reconfirm_lapsed_subject": {
        "nl": "Je plaats is naar de wachtlijst: {item}",
        "en": "Your place went to the waitlist: {item}",
    },
    "mail_reconfirm_lapsed": {
        "nl": "Je hebt je plaats in {item} niet vóór {deadline} bevestigd. Die is nu voor de eerste "
        "op de wachtlijst en jij staat achteraan, op plaats {n}. Komt er een plaats vrij, dan "
        "krijg je die vanzelf en hoor je het per mail.",
        "en": "You did not confirm your place in {item} before {deadline}. It is now for the first "
        "on the waitlist, and you are at its end, position {n}. Should a place come free, it is "
        "yours at once and you hear of it by mail.",
    },
    # -- personal join links (/join/TOKEN/ITEM) outside their window ------------------------
    "join_opens_at": {
        "nl": "De link opent op {date} om {time}.",
        "en": "The link opens on {date} at {time}.",
    },
    "join_come_back": {
        "nl": "Gebruik dan deze zelfde link: hij brengt je direct naar de sessie.",
        "en": "Use this same link then: it takes you straight to the session.",
    },
    "join_ended": {"nl": "{item} is afgelopen.", "en": "{item} has ended."},
    "join_cancelled": {"nl": "{item} gaat niet door.", "en": "{item} has been cancelled."},
    "join_no_link": {
        "nl": "{item} heeft geen online link: je bent welkom op locatie.",
        "en": "{item} has no online link: you are welcome on site.",
    },
    # -- certificates of attendance (/me/TOKEN/certificate.pdf, /certificates/CODE) ---------
    "certificate_title": {"nl": "Bewijs van deelname", "en": "Certificate of attendance"},
    "certificate_attended": {
        "nl": "{name} heeft deelgenomen aan {festival} op {date}.",
        "en": "{name} attended {festival} on {date}.",
    },
    "certificate_item": {"nl": "Onderdeel", "en": "Item"},
    "certificate_minutes": {"nl": "Minuten", "en": "Minutes"},
    "certificate_total": {"nl": "Totaal", "en": "Total"},
    "certificate_code": {"nl": "Verificatiecode: {code}", "en": "Verification code: {code}"},
    "certificate_check_at": {
        "nl": "Controleer dit bewijs op {url}",
        "en": "Verify this certificate at {url}",
    },
    "certificate_download": {
        "nl": "Download je bewijs van deelname (PDF)",
        "en": "Download your certificate of attendance (PDF)",
    },
    "certificate_not_yet": {
        "nl": "Je bewijs van deelname kun je downloaden na afloop van het festival, vanaf {date} om {time}.",
        "en": "You can download your certificate of attendance once the festival has ended, from {date} at {time}.",
    },
    "certificate_below": {
        "nl": "Voor een bewijs van deelname moet je minstens {minimum} minuten hebben deelgenomen; je was {minutes} minuten aanwezig.",
        "en": "A certificate of attendance needs at least {minimum} minutes of attendance; you attended {minutes} minutes.",
    },
    "certificate_none": {
        "nl": "Dit festival geeft geen bewijs van deelname.",
        "en": "This festival gives no certificates of attendance.",
    },
    "certificate_verify_title": {
        "nl": "Bewijs van deelname controleren",
        "en": "Verifying a certificate of attendance",
    },
    "certificate_valid": {
        "nl": "Geldig. {name} heeft deelgenomen aan {festival} op {date}: {minutes} minuten in totaal.",
        "en": "Valid. {name} attended {festival} on {date}: {minutes} minutes in total.",
    },
    "certificate_not_valid": {
        "nl": "Niet geldig: deze code hoort bij geen enkel bewijs van deelname.",
        "en": "Not valid: this code belongs to no certificate of attendance.",
    },
    "no_session_chosen": {"nl": "Geen sessie gekozen.", "en": "No session chosen."},
    "change_choice": {"nl": "Andere keuze", "en": "Change choice"},
    "save": {"nl": "Opslaan", "en": "Save"},
    "my_data": {"nl": "Mijn gegevens", "en": "My data"},
    "download_data": {"nl": "Download mijn gegevens (JSON)", "en": "Download my data (JSON)"},
    "confirm_delete": {
        "nl": "Ja, meld mij af en wis mijn gegevens",
        "en": "Yes, cancel my registration and erase my data",
    },
    "confirm_delete_needed": {
        "nl": "Vink eerst aan dat je je wilt afmelden.",
        "en": "First tick the box to confirm.",
    },
    "new_link": {"nl": "Nieuwe link maken", "en": "Make a new link"},
    "new_link_text": {
        "nl": "Heeft iemand anders je link gezien? Maak een nieuwe: de oude werkt dan niet meer. "
        "We mailen je de nieuwe ook.",
        "en": "Has someone else seen your link? Make a new one: the old one then stops working. "
        "We mail you the new one too.",
    },
    "new_link_made": {
        "nl": "Dit is je nieuwe persoonlijke link; de oude werkt niet meer. Bewaar deze.",
        "en": "This is your new personal link; the old one no longer works. Keep this one.",
    },
    "delete_registration": {"nl": "Afmelden en wissen", "en": "Cancel and erase"},
    "deleted_title": {"nl": "Je bent afgemeld", "en": "Your registration is cancelled"},
    "deleted_text": {
        "nl": "Je aanmelding en je gegevens zijn gewist. Je plaatsen zijn vrijgegeven.",
        "en": "Your registration and your data have been erased. Your places were released.",
    },
    "admin_places": {"nl": "Sessies", "en": "Sessions"},
    "admin_organisation": {"nl": "Organisatie", "en": "Organisation"},
    "admin_mode": {"nl": "Deelname", "en": "Taking part"},
    "admin_title": {"nl": "Aanmeldingen", "en": "Registrations"},
    "admin_festivals": {"nl": "Festivals van deze link", "en": "Festivals of this link"},
    "admin_total": {"nl": "{n} aanmeldingen", "en": "{n} registrations"},
    "export_csv": {"nl": "Exporteer als CSV", "en": "Export as CSV"},
    "export_excel": {"nl": "CSV voor Excel (;)", "en": "CSV for Excel (;)"},
    # -- column names of the CSV for Excel ---------------------------------------------------
    "csv_id": {"nl": "nummer", "en": "number"},
    "csv_name": {"nl": "naam", "en": "name"},
    "csv_email": {"nl": "e-mail", "en": "e-mail"},
    "csv_organisation": {"nl": "organisatie", "en": "organisation"},
    "csv_language": {"nl": "taal", "en": "language"},
    "csv_mode": {"nl": "deelname", "en": "attendance"},
    "csv_registered_at": {"nl": "aangemeld op", "en": "registered at"},
    "csv_status": {"nl": "status", "en": "status"},
    "csv_position": {"nl": "plaats op de wachtlijst", "en": "waitlist position"},
    "csv_confirmed": {"nl": "bevestigd", "en": "confirmed"},
    "csv_waitlisted": {"nl": "wachtlijst", "en": "waitlist"},
    # -- the organiser's report (admin page, printable page, CSV) ----------------------------
    "report_title": {"nl": "Verslag", "en": "Report"},
    "report_printable": {"nl": "Afdrukbare versie", "en": "Printable version"},
    "report_sessions": {"nl": "Sessies", "en": "Sessions"},
    "report_questions": {"nl": "Vragen", "en": "Questions"},
    "report_blocks": {"nl": "Plenair: gepland en werkelijk", "en": "Plenary: planned and actual"},
    "report_no_plenary": {
        "nl": "Dit festival heeft geen plenair programma.",
        "en": "This festival has no plenary programme.",
    },
    "report_given_back_note": {
        "nl": "Teruggegeven: bevestigde plaatsen die de deelnemer opgaf, ruilde voor een andere sessie of met de aanmelding wiste.",
        "en": "Given back: confirmed places the attendee gave up, swapped for another session or erased with their registration.",
    },
    "report_difference_note": {
        "nl": "Verschil in minuten: positief is later dan gepland, negatief eerder.",
        "en": "Difference in minutes: positive is later than planned, negative earlier.",
    },
    "report_round": {"nl": "ronde", "en": "round"},
    "report_session": {"nl": "sessie", "en": "session"},
    "report_capacity": {"nl": "plaatsen online", "en": "places online"},
    "report_seats": {"nl": "stoelen op locatie", "en": "seats on site"},
    "report_registered": {"nl": "ingeschreven", "en": "registered"},
    "report_waitlisted": {"nl": "wachtlijst", "en": "waitlisted"},
    "report_given_back": {"nl": "teruggegeven", "en": "given back"},
    "report_channel": {"nl": "vragenkanaal", "en": "Q&A channel"},
    "report_asked": {"nl": "gesteld", "en": "asked"},
    "report_approved": {"nl": "goedgekeurd", "en": "approved"},
    "report_answered": {"nl": "beantwoord", "en": "answered"},
    "report_block": {"nl": "blok", "en": "block"},
    "report_status": {"nl": "status", "en": "status"},
    "report_planned_start": {"nl": "gepland begin", "en": "planned start"},
    "report_planned_end": {"nl": "gepland einde", "en": "planned end"},
    "report_actual_start": {"nl": "werkelijk begin", "en": "actual start"},
    "report_actual_end": {"nl": "werkelijk einde", "en": "actual end"},
    "report_start_difference": {"nl": "verschil begin (min)", "en": "start difference (min)"},
    "report_end_difference": {"nl": "verschil einde (min)", "en": "end difference (min)"},
    "report_checked_in": {"nl": "ingecheckt", "en": "checked in"},
    "report_joined_online": {"nl": "online deelgenomen", "en": "joined online"},
    "report_attended": {"nl": "aanwezig", "en": "attended"},
    "report_no_shows": {"nl": "niet verschenen", "en": "no-shows"},
    "report_no_show_rate": {"nl": "percentage niet verschenen", "en": "no-show rate"},
    "report_attendance": {"nl": "Aanwezigheid", "en": "Attendance"},
    "report_attendance_of": {"nl": "aanwezigheid van", "en": "attendance of"},
    "report_ended_sessions": {
        "nl": "afgelopen sessies ({n})",
        "en": "sessions that have ended ({n})",
    },
    "report_attendance_note": {
        "nl": "Aanwezig: online deelgenomen via de persoonlijke link, of ingecheckt bij de deur. "
        "Een check-in geldt voor het hele festival: hij telt mee voor elke sessie waarin de "
        "deelnemer een bevestigde plaats heeft. Niet verschenen: ingeschreven maar niet "
        "aanwezig, pas geteld als de sessie voorbij is (tot dan —).",
        "en": "Attended: joined online by their personal link, or checked in at the door. "
        "A check-in is for the whole festival: it counts for every session the attendee "
        "holds a confirmed place in. No-shows: registered but not attended, counted only "
        "once the session has ended (until then —).",
    },
    "report_attendance_note_online": {
        "nl": "Aanwezig: online deelgenomen via de persoonlijke link. Niet verschenen: "
        "ingeschreven maar niet aanwezig, pas geteld als de sessie voorbij is (tot dan —).",
        "en": "Attended: joined online by the personal link. No-shows: registered but not "
        "attended, counted only once the session has ended (until then —).",
    },
    "report_plenary_attendance_online": {
        "nl": "Plenair ({title}): {registered} ingeschreven, {joined_online} online "
        "deelgenomen, {attended} aanwezig.",
        "en": "Plenary ({title}): {registered} registered, {joined_online} joined online, "
        "{attended} attended.",
    },
    "report_plenary_attendance": {
        "nl": "Plenair ({title}): {registered} ingeschreven, {checked_in} ingecheckt, "
        "{joined_online} online deelgenomen, {attended} aanwezig.",
        "en": "Plenary ({title}): {registered} registered, {checked_in} checked in, "
        "{joined_online} joined online, {attended} attended.",
    },
    "report_rate_line": {
        "nl": "Percentage niet verschenen: {rate}, dat is niet verschenen gedeeld door "
        "ingeschreven over de {n} afgelopen sessies ({no_shows} van {registered}).",
        "en": "No-show rate: {rate}, that is no-shows divided by registered over the {n} "
        "sessions that have ended ({no_shows} of {registered}).",
    },
    "report_rate_none": {
        "nl": "Percentage niet verschenen: — (nog geen afgelopen sessie met inschrijvingen; "
        "het is niet verschenen gedeeld door ingeschreven over de afgelopen sessies).",
        "en": "No-show rate: — (no session with registrations has ended yet; it is no-shows "
        "divided by registered over the sessions that have ended).",
    },
    # -- the organiser's view of outgoing mail -------------------------------------------
    "outbox_title": {"nl": "Uitgaande mail", "en": "Outgoing mail"},
    "outbox_kind": {"nl": "Soort", "en": "Kind"},
    "outbox_total": {"nl": "Totaal", "en": "Total"},
    "outbox_pending": {"nl": "In de wachtrij", "en": "Queued"},
    "outbox_sending": {"nl": "Wordt verstuurd", "en": "Sending"},
    "outbox_sent": {"nl": "Verstuurd", "en": "Sent"},
    "outbox_failed": {"nl": "Mislukt", "en": "Failed"},
    "outbox_skipped": {"nl": "Overgeslagen", "en": "Skipped"},
    "outbox_empty": {"nl": "Er is nog geen mail.", "en": "No mail yet."},
    "outbox_failures": {"nl": "Mislukte berichten", "en": "Failed messages"},
    "outbox_no_failures": {"nl": "Geen mislukte berichten.", "en": "No failed messages."},
    "outbox_recipient": {"nl": "Aan", "en": "To"},
    "outbox_attempts": {"nl": "Pogingen", "en": "Attempts"},
    "outbox_error": {"nl": "Laatste fout", "en": "Last error"},
    "outbox_retrying": {
        "nl": "Mislukt, wordt opnieuw geprobeerd",
        "en": "Failed, will be tried again",
    },
    "outbox_next_attempt": {"nl": "Volgende poging", "en": "Next try"},
    "outbox_retry": {
        "nl": "Mislukte berichten opnieuw versturen",
        "en": "Send failed messages again",
    },
    "outbox_retried": {
        "nl": "{n} mislukte berichten staan weer in de wachtrij.",
        "en": "{n} failed messages are queued again.",
    },
    "mail_kind_welcome": {"nl": "Welkom", "en": "Welcome"},
    "mail_kind_link": {"nl": "Persoonlijke link", "en": "Personal link"},
    "mail_kind_invite": {"nl": "Agenda-uitnodiging", "en": "Calendar invitation"},
    "mail_kind_promoted": {"nl": "Plaats van de wachtlijst", "en": "Place from the waitlist"},
    "mail_kind_reminder": {"nl": "Herinnering", "en": "Reminder"},
    "mail_kind_proposal": {"nl": "Besluit over een thema", "en": "Decision on a theme"},
    "mail_kind_ballot": {"nl": "Stem bevestigen", "en": "Confirm a vote"},
    "mail_kind_watch_again": {"nl": "Terugkijken", "en": "Watch again"},
    "mail_kind_certificate": {"nl": "Certificaat", "en": "Certificate"},
    "mail_kind_reconfirm": {"nl": "Plaats bevestigen", "en": "Confirm your place"},
    "mail_kind_reconfirm_lapsed": {
        "nl": "Plaats naar de wachtlijst",
        "en": "Place to the waitlist",
    },
    "maildir_title": {"nl": "Afgeleverd in de maildir", "en": "Delivered into the maildir"},
    "maildir_empty": {"nl": "De maildir is nog leeg.", "en": "The maildir is still empty."},
    "maildir_more": {
        "nl": "De nieuwste {n} berichten; oudere staan ook in de maildir.",
        "en": "The newest {n} messages; older ones are in the maildir too.",
    },
    "maildir_smtp": {
        "nl": "Mail gaat via SMTP naar buiten; de maildir wordt niet gebruikt.",
        "en": "Mail goes out over SMTP; the maildir is not used.",
    },
    "mail_subject": {"nl": "Onderwerp", "en": "Subject"},
    "mail_date": {"nl": "Datum", "en": "Date"},
    "mail_from": {"nl": "Van", "en": "From"},
    "mail_text": {"nl": "Tekst", "en": "Text"},
    "mail_html": {"nl": "Zoals de ontvanger het ziet", "en": "As the recipient sees it"},
    "mail_calendar": {
        "nl": "Agenda-uitnodiging (iCalendar)",
        "en": "Calendar invitation (iCalendar)",
    },
    "back_to_admin": {"nl": "Terug naar het overzicht", "en": "Back to the overview"},
    "session": {"nl": "Sessie", "en": "Session"},
    "waitlist": {"nl": "Wachtlijst", "en": "Waitlist"},
    "registrations": {"nl": "Alle aanmeldingen", "en": "All registrations"},
    "time_left": {"nl": "nog", "en": "in"},
    "preferences_intro": {
        "nl": "Geef per ronde je voorkeuren op, je liefste eerst. Op {when} verdelen we alle plaatsen in één keer, zo dat zoveel mogelijk mensen een sessie krijgen die ze graag willen. Daarna hoor je waar je bent ingedeeld.",
        "en": "Rank the sessions of each round, most wanted first. At {when} all places are shared out at once, so that as many people as possible get a session they want. Then you see where you are placed.",
    },
    "rank_label": {"nl": "Keuze {n}", "en": "Choice {n}"},
    "my_preferences": {"nl": "Mijn voorkeuren", "en": "My preferences"},
    "assignment_pending": {
        "nl": "De plaatsen worden verdeeld op {when}.",
        "en": "Places are shared out at {when}.",
    },
    # The name between FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE: a right-to-left name
    # cannot turn the rest of the greeting around.
    "mail_hello": {"nl": "Hallo \u2068{name}\u2069,", "en": "Hello \u2068{name}\u2069,"},
    "mail_welcome_subject": {
        "nl": "Je bent aangemeld: {festival}",
        "en": "You are registered: {festival}",
    },
    "mail_welcome": {
        "nl": "Je bent aangemeld voor {festival} op {date}. Hieronder je sessies; de agenda-uitnodigingen volgen in aparte berichten.",
        "en": "You are registered for {festival} on {date}. Your sessions are below; the calendar invitations follow in separate messages.",
    },
    "mail_keep_link": {
        "nl": "Op je persoonlijke pagina zie je je sessies, de links om mee te doen en kun je je keuze wijzigen of je afmelden. Bewaar deze link.",
        "en": "Your personal page shows your sessions and the links to join, and lets you change your choice or cancel. Keep this link.",
    },
    "mail_link_subject": {
        "nl": "Je persoonlijke link: {festival}",
        "en": "Your personal link: {festival}",
    },
    "mail_link_again": {
        "nl": "Je meldde je opnieuw aan voor {festival}, maar je was al aangemeld. Hier is je persoonlijke link nog een keer.",
        "en": "You registered for {festival} again, but you were registered already. Here is your personal link once more.",
    },
    "mail_promoted_subject": {
        "nl": "Je hebt een plaats: {session}",
        "en": "You have a place: {session}",
    },
    "mail_promoted": {
        "nl": "Er kwam een plaats vrij in {session} en die is nu voor jou. De agenda-uitnodiging volgt.",
        "en": "A place came free in {session} and it is yours now. The calendar invitation follows.",
    },
    "mail_invite_subject": {"nl": "Uitnodiging: {item}", "en": "Invitation: {item}"},
    "mail_invite": {
        "nl": "Hierbij de agenda-uitnodiging voor {item} ({festival}).",
        "en": "Here is the calendar invitation for {item} ({festival}).",
    },
    "mail_invite_update_subject": {"nl": "Gewijzigd: {item}", "en": "Changed: {item}"},
    "mail_invite_update": {
        "nl": "{item} ({festival}) is gewijzigd. De bijgewerkte uitnodiging past je agenda aan.",
        "en": "{item} ({festival}) has changed. The updated invitation corrects your calendar.",
    },
    "mail_invite_cancel_subject": {"nl": "Vervallen: {item}", "en": "Cancelled: {item}"},
    "mail_invite_cancel": {
        "nl": "{item} ({festival}) staat niet meer in je programma. Deze afmelding haalt het uit je agenda.",
        "en": "{item} ({festival}) is no longer in your programme. This cancellation removes it from your calendar.",
    },
    "mail_reminder_subject": {"nl": "Zo meteen: {item}", "en": "Starting soon: {item}"},
    "mail_reminder": {
        "nl": "Over {minutes} minuten begint {item}. Met de knop hieronder doe je mee.",
        "en": "{item} starts in {minutes} minutes. Use the button below to join.",
    },
    "mail_watch_again_subject": {"nl": "Terugkijken: {festival}", "en": "Watch again: {festival}"},
    "mail_watch_again": {
        "nl": "{festival} is voorbij. De opnames en presentaties staan nu online, met de beantwoorde vragen: kijk terug wanneer het je uitkomt.",
        "en": "{festival} is over. The recordings and slides are online now, with the questions answered: watch again whenever it suits you.",
    },
    "mail_certificate_subject": {
        "nl": "Je bewijs van deelname: {festival}",
        "en": "Your certificate of attendance: {festival}",
    },
    "mail_certificate": {
        "nl": "Bedankt voor je deelname aan {festival}. Je bewijs van deelname staat klaar: download het met de knop hieronder.",
        "en": "Thank you for attending {festival}. Your certificate of attendance is ready: download it with the button below.",
    },
    "mail_questions": {
        "nl": "Een vraag voor de sprekers of panelleden?",
        "en": "A question for the speakers or panellists?",
    },
    "read_more": {"nl": "Lees meer", "en": "Read more"},
    "denied_title": {"nl": "Geen toegang", "en": "No access"},
    "denied_text": {
        "nl": "Deze link is niet (meer) geldig of geeft geen toegang tot deze pagina.",
        "en": "This link is not (or no longer) valid, or does not open this page.",
    },
    # Rate limits (festival/web/limits.py); {wait} is `wait_text`.
    "rate_limited_title": {"nl": "Even geduld", "en": "Please wait"},
    "registration.rate_limited": {
        "nl": "Er kwamen te veel aanmeldingen van dit adres of voor dit e-mailadres. "
        "Probeer het over {wait} opnieuw.",
        "en": "Too many registrations came from this address or for this e-mail address. "
        "Please try again in {wait}.",
    },
    "connection.rate_limited": {
        "nl": "Met deze link zijn al te veel vensters open; sluit er een en probeer het opnieuw.",
        "en": "Too many windows are open with this link; close one and try again.",
    },
    "proposal.too_many": {
        "nl": "Je stelde het afgelopen uur al 5 thema's voor. Probeer het over {wait} opnieuw.",
        "en": "You proposed 5 themes in the last hour already. Please try again in {wait}.",
    },
    # Themes brought to the table (festival/proposals, festival/web/proposals.py).
    "proposals_title": {"nl": "Thema's ter tafel", "en": "Themes for the tables"},
    "proposed_theme": {"nl": "Thema van een deelnemer", "en": "A theme brought by an attendee"},
    "proposals_intro": {
        "nl": "Breng zelf een thema ter tafel: de organisatie kiest welke thema's een tafel krijgen. Wie een thema voorstelt, is bij die tafel de gastheer of gastvrouw.",
        "en": "Bring a theme to the table yourself: the organisers choose which themes get a table. Whoever proposes a theme hosts its table.",
    },
    "proposals_to_page": {"nl": "Stel een thema voor", "en": "Propose a theme"},
    "proposals_round_hint": {
        "nl": "Deelnemers brengen hier ook zelf thema's ter tafel: stel er een voor via je persoonlijke pagina.",
        "en": "Attendees bring their own themes to these tables too: propose one from your personal page.",
    },
    "proposals_until": {"nl": "Voorstellen kan tot", "en": "Proposals are open until"},
    "proposals_closed": {
        "nl": "Er kunnen nu geen thema's worden voorgesteld.",
        "en": "No themes can be proposed now.",
    },
    "proposals_mine": {"nl": "Mijn voorstellen", "en": "My proposals"},
    "proposals_none_mine": {
        "nl": "Je hebt nog geen thema voorgesteld.",
        "en": "You have not proposed a theme yet.",
    },
    "proposals_none": {"nl": "Nog geen voorstellen.", "en": "No proposals yet."},
    "proposal_field_title": {
        "nl": "Titel (hoogstens 120 tekens)",
        "en": "Title (at most 120 characters)",
    },
    "proposal_field_description": {
        "nl": "Korte omschrijving (hoogstens 1000 tekens)",
        "en": "Short description (at most 1,000 characters)",
    },
    "proposal_send": {"nl": "Thema voorstellen", "en": "Propose this theme"},
    "proposal_sent": {
        "nl": "Dank je! Je voorstel is ontvangen; je krijgt bericht zodra de organisatie heeft besloten.",
        "en": "Thank you! Your proposal has arrived; you will hear once the organisers have decided.",
    },
    "proposal_by": {"nl": "Voorgesteld door", "en": "Proposed by"},
    "proposal_state_pending": {"nl": "wacht op een besluit", "en": "awaiting a decision"},
    "proposal_state_accepted": {"nl": "aangenomen", "en": "accepted"},
    "proposal_state_declined": {"nl": "afgewezen", "en": "declined"},
    "proposal_refused_title": {"nl": "Niets gewijzigd", "en": "Nothing changed"},
    "proposal_refused": {
        "nl": "Voorstel {n} is niet gewijzigd:",
        "en": "Proposal {n} was not changed:",
    },
    "proposal_err_title": {
        "nl": "Vul een titel in van hoogstens {n} tekens.",
        "en": "Fill in a title of at most {n} characters.",
    },
    "proposal_err_description": {
        "nl": "Vul een omschrijving in van hoogstens {n} tekens.",
        "en": "Fill in a description of at most {n} characters.",
    },
    "err_proposal_decided": {
        "nl": "over dit thema is al besloten.",
        "en": "this theme was decided on already.",
    },
    "err_proposal_closed": {
        "nl": "deze ronde neemt geen thema's meer aan.",
        "en": "this round takes no more themes.",
    },
    "err_proposal_not_taken": {
        "nl": "deze ronde neemt geen thema's aan.",
        "en": "this round takes no themes.",
    },
    "proposal_accept": {"nl": "Aannemen", "en": "Accept"},
    "proposal_decline": {"nl": "Afwijzen", "en": "Decline"},
    "proposal_edit": {"nl": "Bewerken", "en": "Edit"},
    "proposal_save": {"nl": "Opslaan", "en": "Save"},
    "mail_proposal_accepted_subject": {
        "nl": "Je thema krijgt een tafel: {title}",
        "en": "Your theme gets a table: {title}",
    },
    "mail_proposal_accepted": {
        "nl": "Je voorstel \u201c{title}\u201d is aangenomen: het staat nu op het programma bij {round}, met jou als gastheer of gastvrouw. Deelnemers kunnen er vanaf nu voor kiezen.",
        "en": "Your proposal \u201c{title}\u201d has been accepted: it is now on the programme in {round}, with you as its host. Attendees can choose it from now on.",
    },
    "mail_proposal_declined_subject": {
        "nl": "Over je voorgestelde thema: {title}",
        "en": "About the theme you proposed: {title}",
    },
    "mail_proposal_declined": {
        "nl": "Dank je voor je voorstel \u201c{title}\u201d voor {round}. De organisatie heeft besloten het dit keer geen eigen tafel te geven.",
        "en": "Thank you for proposing \u201c{title}\u201d for {round}. The organisers have decided not to give it a table of its own this time.",
    },
    "no_festival_title": {"nl": "Nog geen programma", "en": "No programme yet"},
    "no_festival_text": {
        "nl": "Er is nog geen programma geladen. Gebruik `festival load BESTAND`.",
        "en": "No programme has been loaded yet. Use `festival load FILE`.",
    },
    "back_to_programme": {"nl": "Naar het programma", "en": "Back to the programme"},
    # -- registration errors (field -> message), shown next to the fields -----------------
    "err_required": {"nl": "Vul dit veld in.", "en": "Please fill in this field."},
    "err_too_long": {
        "nl": "Te lang: hoogstens {n} tekens.",
        "en": "Too long: at most {n} characters.",
    },
    "err_text": {"nl": "Dit moet tekst zijn.", "en": "This must be text."},
    "err_email": {
        "nl": "Dit is geen geldig e-mailadres.",
        "en": "This is not a valid e-mail address.",
    },
    "err_email_smtputf8": {
        "nl": "Vóór de @ staan letters die onze mailserver niet kan versturen (zoals ë of é). "
        "Gebruik een adres met alleen letters zonder accenten, cijfers en . - _ + vóór de @.",
        "en": "Our mail server cannot send to letters like ë or é before the @. Please use an "
        "address with only unaccented letters, digits and . - _ + before the @.",
    },
    "err_language": {"nl": "Kies Nederlands (nl) of Engels (en).", "en": "Choose nl or en."},
    "err_mode": {"nl": "Kies online of op locatie.", "en": "Choose online or onsite."},
    "err_mode_festival": {
        "nl": "Dit festival is alleen {mode}.",
        "en": "This festival is {mode} only.",
    },
    "err_choices": {
        "nl": "Kies per ronde één sessie (of geen).",
        "en": "Choose one session per round (or none).",
    },
    "err_round": {"nl": "Deze ronde bestaat niet.", "en": "There is no such round."},
    "err_session": {
        "nl": "Deze sessie hoort niet bij deze ronde.",
        "en": "This session is not part of this round.",
    },
    "err_session_cancelled": {
        "nl": "Deze sessie gaat niet door.",
        "en": "This session has been cancelled.",
    },
    "err_session_mode": {
        "nl": "Deze sessie is alleen {mode}.",
        "en": "This session is {mode} only.",
    },
    "err_round_started": {
        "nl": "Deze ronde is al begonnen; kiezen kan niet meer.",
        "en": "This round has started; choices can no longer be made.",
    },
    "err_rankings": {
        "nl": "Geef per ronde een lijst van sessies, je liefste eerst.",
        "en": "Give a list of sessions per round, most wanted first.",
    },
    "err_ranking_twice": {
        "nl": "Noem elke sessie maar één keer.",
        "en": "Name each session only once.",
    },
    "err_rank_instead": {
        "nl": "Bij dit festival geef je voorkeuren op (rankings); de plaatsen worden daarna eerlijk verdeeld.",
        "en": "This festival asks for ranked preferences (rankings); places are then shared out fairly.",
    },
    "err_rankings_closed": {
        "nl": "Voorkeuren opgeven kan niet (meer); kies een sessie.",
        "en": "Preferences are not (or no longer) collected; choose a session.",
    },
    "err_full_keep": {
        "nl": "Die sessie is vol; je houdt je huidige plaats. Geef die eerst op als je op de wachtlijst wilt.",
        "en": "That session is full; you keep your current place. Give it up first to join the waitlist.",
    },
    "err_consent": {
        "nl": "Geef toestemming voor het gebruik van je gegevens.",
        "en": "Please agree to the use of your data.",
    },
    "err_not_open": {
        "nl": "Aanmelden kan pas vanaf {when}.",
        "en": "Registration opens at {when}.",
    },
    "err_closed": {"nl": "Aanmelden is gesloten.", "en": "Registration is closed."},
    "err_unknown_field": {"nl": "Onbekend veld.", "en": "Unknown field."},
    "mode_online_only": {"nl": "online", "en": "online"},
    "mode_onsite_only": {"nl": "op locatie", "en": "on site"},
    # live Q&A
    "qa_questions": {"nl": "Vragen", "en": "Questions"},
    "qa_questions_for": {"nl": "Vragen · {title}", "en": "Questions · {title}"},
    "qa_ask_heading": {"nl": "Stel een vraag", "en": "Ask a question"},
    "qa_question_label": {
        "nl": "Je vraag (hoogstens {n} tekens)",
        "en": "Your question (at most {n} characters)",
    },
    "qa_speaker_label": {"nl": "Aan", "en": "To"},
    "qa_anyone": {"nl": "iedereen op het podium", "en": "anyone on stage"},
    "qa_anonymous_label": {
        "nl": "Stel mijn vraag anoniem (de moderatoren zien wel wie je bent)",
        "en": "Ask anonymously (moderators still see who you are)",
    },
    "qa_send": {"nl": "Verstuur", "en": "Send"},
    "qa_sent": {
        "nl": "Je vraag is verstuurd; hij verschijnt voor iedereen zodra een moderator hem goedkeurt.",
        "en": "Your question was sent; everyone sees it once a moderator approves it.",
    },
    "qa_none_yet": {"nl": "Nog geen vragen.", "en": "No questions yet."},
    "qa_awaiting": {"nl": "wacht op moderatie", "en": "awaiting moderation"},
    "qa_anonymous": {"nl": "anoniem", "en": "anonymous"},
    "qa_votes": {"nl": "stemmen", "en": "votes"},
    "qa_vote": {"nl": "Stem", "en": "Vote"},
    "poll_heading": {"nl": "Peiling", "en": "Poll"},
    "poll_closed_result": {"nl": "Uitslag", "en": "Result"},
    "poll_answers": {"nl": "antwoorden", "en": "answers"},
    "poll_send": {"nl": "Antwoord", "en": "Answer"},
    "poll_change": {"nl": "Wijzig antwoord", "en": "Change answer"},
    "poll_yours": {"nl": "jouw antwoord", "en": "your answer"},
    "poll_new": {"nl": "Nieuwe peiling", "en": "New poll"},
    "poll_question_label": {
        "nl": "Vraag (max. 200 tekens)",
        "en": "Question (up to 200 characters)",
    },
    "poll_options_label": {
        "nl": "Antwoorden, één per regel (2 tot 8, elk max. 100 tekens)",
        "en": "Options, one per line (2 to 8, each up to 100 characters)",
    },
    "poll_open_button": {"nl": "Start peiling", "en": "Open poll"},
    "poll_close_button": {"nl": "Sluit peiling", "en": "Close poll"},
    "poll_show_button": {"nl": "Toon op scherm", "en": "Show on screen"},
    "poll_hide_button": {"nl": "Haal van scherm", "en": "Take off screen"},
    "poll_on_screen": {"nl": "op het scherm", "en": "on screen"},
    "poll_none": {"nl": "Nog geen peiling.", "en": "No poll yet."},
    "qa_unvote": {"nl": "Trek stem in", "en": "Withdraw vote"},
    "qa_on_air": {"nl": "Nu aan het panel", "en": "Now to the panel"},
    "qa_open": {"nl": "Vragen stellen kan nu.", "en": "Questions are open."},
    "qa_closed": {"nl": "Vragen stellen is gesloten.", "en": "Questions are closed."},
    "qa_answered": {"nl": "beantwoord", "en": "answered"},
    "qa_hidden": {"nl": "verborgen", "en": "hidden"},
    "qa_merged": {"nl": "samengevoegd", "en": "merged"},
    "qa_pending": {"nl": "nieuw", "en": "new"},
    "qa_edited": {"nl": "aangepast", "en": "edited"},
    "qa_original": {"nl": "Origineel", "en": "Original"},
    "qa_to": {"nl": "aan", "en": "to"},
    "qa_offline": {"nl": "Geen verbinding", "en": "Not connected"},
    "qa_reconnecting": {
        "nl": "Verbinding verbroken; opnieuw verbinden…",
        "en": "Connection lost; reconnecting…",
    },
    "qa_nothing_on_air": {
        "nl": "Er staat nu geen vraag klaar.",
        "en": "No question on air right now.",
    },
    "qa_approve": {"nl": "Goedkeuren", "en": "Approve"},
    "qa_hide": {"nl": "Verbergen", "en": "Hide"},
    "qa_star": {"nl": "Ster", "en": "Star"},
    "qa_unstar": {"nl": "Ster weg", "en": "Unstar"},
    "qa_pick": {"nl": "Naar het panel", "en": "Put on air"},
    "qa_unpick": {"nl": "Van het panel", "en": "Take off air"},
    "qa_mark_answered": {"nl": "Beantwoord", "en": "Answered"},
    "qa_edit": {"nl": "Tekst aanpassen", "en": "Edit text"},
    "qa_merge": {"nl": "Samenvoegen", "en": "Merge"},
    "qa_merge_into": {
        "nl": "Samenvoegen met vraag (nummer, zoals q4):",
        "en": "Merge into question (number, as in q4):",
    },
    "qa_note": {"nl": "Notitie", "en": "Note"},
    "qa_moderate": {"nl": "Modereren", "en": "Moderate"},
    "qa_moderate_title": {"nl": "Moderatie · {title}", "en": "Moderation · {title}"},
    "qa_channels": {"nl": "Kanalen die je mag modereren", "en": "Channels you may moderate"},
    "qa_sort": {"nl": "Sorteer", "en": "Sort"},
    "qa_sort_votes": {"nl": "op stemmen", "en": "by votes"},
    "qa_sort_time": {"nl": "op tijd", "en": "by time"},
    "qa_show": {"nl": "Toon", "en": "Show"},
    "qa_show_all": {"nl": "alles", "en": "everything"},
    "qa_show_pending": {"nl": "nieuw", "en": "new"},
    "qa_show_approved": {"nl": "goedgekeurd", "en": "approved"},
    "qa_show_done": {"nl": "afgehandeld", "en": "done"},
    "qa_everyone": {"nl": "alle vragen", "en": "all questions"},
    "qa_unaddressed": {"nl": "aan niemand in het bijzonder", "en": "to no one in particular"},
    "qa_next": {"nl": "Volgende uit de rij", "en": "Next in the queue"},
    "qa_open_button": {"nl": "Vragen openen", "en": "Open questions"},
    "qa_close_button": {"nl": "Vragen sluiten", "en": "Close questions"},
    "qa_shortcuts": {
        "nl": "Sneltoetsen: j/k of ↓/↑ naar de volgende of vorige vraag, a goedkeuren, h verbergen, s ster, p naar het panel, d beantwoord, e aanpassen, m samenvoegen, n volgende uit de rij. Ze werken op de huidige vraag: die met de focus (klik erop of ga er met Tab heen), gemarkeerd met een roze balk. Nieuwe vragen en stemmen laten de focus waar hij is.",
        "en": "Shortcuts: j/k or ↓/↑ to the next or previous question, a approve, h hide, s star, p put on air, d answered, e edit, m merge, n next in the queue. They act on the current question: the one with focus (click it or Tab to it), marked by a pink bar. New questions and votes leave focus where it is.",
    },
    "qa_shortcuts_label": {"nl": "Sneltoetsen", "en": "Keyboard shortcuts"},
    "qa_list_label": {"nl": "Vragen", "en": "Questions"},
    # Said by the console's live region about the current question; {n} is its number.
    "qa_announce_pending": {"nl": "Vraag {n} weer nieuw", "en": "Question {n} new again"},
    "qa_announce_approved": {"nl": "Vraag {n} goedgekeurd", "en": "Question {n} approved"},
    "qa_announce_on_air": {"nl": "Vraag {n} naar het panel", "en": "Question {n} on air"},
    "qa_announce_answered": {"nl": "Vraag {n} beantwoord", "en": "Question {n} answered"},
    "qa_announce_hidden": {"nl": "Vraag {n} verborgen", "en": "Question {n} hidden"},
    "qa_announce_merged": {"nl": "Vraag {n} samengevoegd", "en": "Question {n} merged"},
    "qa_announce_starred": {"nl": "Vraag {n} heeft een ster", "en": "Question {n} starred"},
    "qa_announce_unstarred": {"nl": "Vraag {n} zonder ster", "en": "Question {n} unstarred"},
    "qa_panel_title": {"nl": "Vragen aan het panel", "en": "Questions to the panel"},
    "qa_ask_link": {"nl": "Vragen stellen", "en": "Ask questions"},
    "qa_not_attending": {
        "nl": "Alleen deelnemers van deze sessie kunnen hier vragen stellen.",
        "en": "Only attendees of this session can ask questions here.",
    },
    # -- run-of-show: host console, presenter view, live status on attendee pages ---------
    "host_console": {"nl": "Regie", "en": "Host console"},
    "presenter_view": {"nl": "Presentatorscherm", "en": "Presenter view"},
    # The door: /checkin, for door staff on a phone.
    "checkin_title": {"nl": "Inchecken", "en": "Check-in"},
    "checkin_code_label": {"nl": "Code onder de QR-code", "en": "Code below the QR code"},
    "checkin_button": {"nl": "Inchecken", "en": "Check in"},
    "checkin_scan": {"nl": "QR-code scannen", "en": "Scan QR code"},
    "checkin_scan_stop": {"nl": "Stop met scannen", "en": "Stop scanning"},
    "checkin_search_label": {"nl": "Zoek op naam", "en": "Search by name"},
    "checkin_search_button": {"nl": "Zoeken", "en": "Search"},
    "checkin_welcome": {"nl": "Welkom!", "en": "Welcome!"},
    "checkin_already": {"nl": "Al ingecheckt om {time}", "en": "Already checked in at {time}"},
    "checkin_done_at": {"nl": "Ingecheckt om {time}", "en": "Checked in at {time}"},
    "checkin_unknown": {
        "nl": "Onbekende code: niet aangemeld voor dit evenement",
        "en": "Unknown code: not registered for this event",
    },
    "checkin_no_places": {"nl": "Geen plaats in een deelsessie", "en": "No place in a session"},
    "checkin_online": {
        "nl": "Aangemeld om online mee te doen",
        "en": "Registered to take part online",
    },
    "checkin_pending": {
        "nl": "Geen verbinding: {n} check-in(s) wachten en worden opnieuw verstuurd",
        "en": "No connection: {n} check-in(s) waiting, sent again when it is back",
    },
    "checkin_nobody": {"nl": "Niemand gevonden", "en": "Nobody found"},
    "checkin_not_yet": {"nl": "nog niet binnen", "en": "not checked in yet"},
    "checkin_failed": {"nl": "Dat lukte niet", "en": "That did not work"},
    "checkin_qr_title": {"nl": "Inchecken op de dag", "en": "Checking in on the day"},
    "checkin_qr_hint": {
        "nl": "Laat deze QR-code zien bij de ingang, of noem de code eronder.",
        "en": "Show this QR code at the entrance, or read out the code below it.",
    },
    "mail_checkin": {
        "nl": "Inchecken bij de ingang: laat de QR-code zien of noem je code {code}.",
        "en": "Checking in at the entrance: show the QR code or read out your code {code}.",
    },
    "mail_checkin_qr": {"nl": "Je QR-code om in te checken", "en": "Your QR code for check-in"},
    "show_not_live": {"nl": "nog niet live", "en": "not live yet"},
    "live_now": {"nl": "nu live", "en": "live now"},
    "go_live": {"nl": "Ga live", "en": "Go live"},
    "press_again": {"nl": "Zeker weten? Druk nog eens", "en": "Sure? Press again"},
    "rehearsal_hint": {
        "nl": "Oefening: live gegaan meer dan {rehearsal} voor de start. Alleen regie en "
        "presentatoren zien het; deelnemers, herinneringen en agenda's houden het programma "
        "zoals gepland. Begin daarna opnieuw (ook terwijl het loopt); dat wist ook de vragen "
        "van de oefening.",
        "en": "Rehearsal: live more than {rehearsal} before the start. Only hosts and presenters "
        "see it; attendees, reminders and calendars keep the programme as planned. "
        "Start over afterwards (also while it runs); that also clears the rehearsal's "
        "questions.",
    },
    "start_block": {"nl": "Start", "en": "Start"},
    "start_next": {"nl": "Start volgend blok", "en": "Start next block"},
    "next_block": {"nl": "Naar het volgende blok", "en": "Go to the next block"},
    "end_block": {"nl": "Blok beëindigen", "en": "End block"},
    "pause": {"nl": "Pauze / hervat", "en": "Pause / resume"},
    "skip": {"nl": "Overslaan", "en": "Skip"},
    "restore": {"nl": "Terugzetten", "en": "Restore"},
    "move_up": {"nl": "Eerder", "en": "Earlier"},
    "move_down": {"nl": "Later", "en": "Later"},
    "end_show": {"nl": "Programma beëindigen", "en": "End the show"},
    "reset_show": {
        "nl": "Opnieuw beginnen (oefening wissen)",
        "en": "Start over (clear a rehearsal)",
    },
    "host_shortcuts": {
        "nl": "Sneltoetsen: L live · S start volgend blok · N volgende · E blok beëindigen · P pauze of hervat · + en − een minuut erbij of eraf.",
        "en": "Shortcuts: L live · S start next block · N next · E end block · P pause or resume · + and − add or take off a minute.",
    },
    "up_next": {"nl": "Hierna", "en": "Up next"},
    "message_presenter": {"nl": "Bericht aan de presentator", "en": "Message to the presenter"},
    "message_rooms": {"nl": "Bericht aan alle huiskamers", "en": "Message to every breakout room"},
    "send": {"nl": "Versturen", "en": "Send"},
    "clear": {"nl": "Wissen", "en": "Clear"},
    "shown_now": {"nl": "Nu in beeld", "en": "Showing now"},
    "quick_two_minutes": {"nl": "nog 2 minuten", "en": "2 more minutes"},
    "quick_wrap_up": {"nl": "afronden", "en": "please wrap up"},
    "quick_five_minutes": {"nl": "nog 5 minuten", "en": "5 more minutes"},
    "quick_back": {"nl": "terug naar de plenaire zaal", "en": "back to the plenary"},
    "col_block": {"nl": "Blok", "en": "Block"},
    "col_round": {"nl": "Ronde", "en": "Round"},
    "col_planned": {"nl": "Gepland", "en": "Planned"},
    "col_projected": {"nl": "Verwacht", "en": "Projected"},
    "col_actual": {"nl": "Werkelijk", "en": "Actual"},
    "col_status": {"nl": "Stand", "en": "Status"},
    "col_actions": {"nl": "Acties", "en": "Actions"},
    "col_warning": {"nl": "Waarschuwing ({n} min)", "en": "Warning ({n} min)"},
    "breakout_rounds": {"nl": "Huiskamerrondes", "en": "Breakout rounds"},
    "status_upcoming": {"nl": "komt nog", "en": "upcoming"},
    "status_running": {"nl": "loopt", "en": "running"},
    "status_paused": {"nl": "gepauzeerd", "en": "paused"},
    "status_ended": {"nl": "afgelopen", "en": "ended"},
    "status_skipped": {"nl": "overgeslagen", "en": "skipped"},
    "status_not_run": {"nl": "niet gehouden", "en": "not run"},
    "status_open": {"nl": "open", "en": "open"},
    "running_early": {"nl": "loopt {n} voor", "en": "running {n} early"},
    "overtime": {"nl": "uitloop", "en": "overtime"},
    "presenter_waiting": {"nl": "Wacht op de start", "en": "Waiting for the start"},
    "full_screen": {"nl": "Volledig scherm", "en": "Full screen"},
    "connection_lost": {
        "nl": "Verbinding verbroken; opnieuw verbinden…",
        "en": "Connection lost; reconnecting…",
    },
    "show_over_short": {"nl": "Afgelopen", "en": "Finished"},
    "show_over": {
        "nl": "Het programma is afgelopen. Bedankt voor het kijken!",
        "en": "The programme has ended. Thank you for watching!",
    },
    "rooms_message_label": {"nl": "Bericht van de regie", "en": "Message from the hosts"},
    # Q&A refusals, by error code (festival.qa.ErrorCode and the live protocol's own), as the
    # attendee and moderator pages show them; {max} and {n} are filled in by the page.
    "qa.closed": {"nl": "Vragen stellen is nu gesloten.", "en": "Questions are closed right now."},
    "qa.empty": {"nl": "Typ eerst je vraag.", "en": "Type your question first."},
    "qa.too_long": {
        "nl": "Je vraag is te lang: hoogstens {max} tekens.",
        "en": "Your question is too long: {max} characters at most.",
    },
    "qa.unknown_question": {
        "nl": "Die vraag is er niet (meer).",
        "en": "That question is not there (any more).",
    },
    "qa.unknown_speaker": {
        "nl": "Kies een spreker uit de lijst.",
        "en": "Choose a speaker from the list.",
    },
    "qa.already_voted": {
        "nl": "Je hebt al op deze vraag gestemd.",
        "en": "You have already voted for this question.",
    },
    "qa.not_voted": {
        "nl": "Je had nog niet op deze vraag gestemd.",
        "en": "You had not voted for this question.",
    },
    "qa.not_votable": {
        "nl": "Op deze vraag kun je (nog) niet stemmen.",
        "en": "This question cannot be voted for (yet).",
    },
    "qa.rate_limited": {
        "nl": "Even wachten: over {n} seconden kun je weer een vraag stellen.",
        "en": "Please wait: you can ask again in {n} seconds.",
    },
    "qa.not_allowed_state": {
        "nl": "Dat kan niet met een vraag die zo ver is.",
        "en": "That cannot be done with a question in this state.",
    },
    "qa.same_question": {
        "nl": "Een vraag kan niet met zichzelf worden samengevoegd.",
        "en": "A question cannot be merged into itself.",
    },
    "qa.unknown_poll": {
        "nl": "Die peiling is er niet.",
        "en": "That poll does not exist.",
    },
    "qa.poll_closed": {
        "nl": "Deze peiling is gesloten; je antwoord is niet meer te wijzigen.",
        "en": "This poll is closed; answers can no longer change.",
    },
    "qa.poll_still_open": {
        "nl": "Er loopt al een peiling; sluit die eerst.",
        "en": "A poll is still open; close it first.",
    },
    "qa.poll_options": {
        "nl": "Een peiling heeft 2 tot 8 verschillende antwoorden.",
        "en": "A poll has 2 to 8 different options.",
    },
    "qa.invalid_option": {
        "nl": "Dat antwoord hoort niet bij deze peiling.",
        "en": "That option is not part of this poll.",
    },
    "message.rate_limited": {
        "nl": "Te veel tegelijk; wacht even en probeer het opnieuw.",
        "en": "Too much at once; wait a moment and try again.",
    },
    "message.too_large": {"nl": "Dat is te lang.", "en": "That is too long."},
    "auth.forbidden": {
        "nl": "Dat mag je hier niet doen.",
        "en": "You may not do that here.",
    },
    "connection.lost": {
        "nl": "Geen verbinding; we proberen het opnieuw.",
        "en": "Not connected; trying again.",
    },
    # Host action refusals, by error code (festival.show.ShowErrorCode). The limits they quote
    # ({max_step}, {min_block}, {max_block}, {max_chars}) are filled in from festival.show by
    # the host console (web/show_pages.py), as is the rehearsal hint's {rehearsal}.
    "show.not_live": {
        "nl": "Ga eerst live voordat je een blok start.",
        "en": "Go live before starting a block.",
    },
    "show.finished": {"nl": "Het programma is afgelopen.", "en": "The show has ended."},
    "show.unknown_block": {
        "nl": "Dat blok bestaat niet (meer).",
        "en": "That block does not exist (any more).",
    },
    "show.not_running": {
        "nl": "Dat blok loopt niet (meer); misschien was een andere host je voor.",
        "en": "That block is not running (any more); another host may have been first.",
    },
    "show.already_started": {
        "nl": "Dat blok is al begonnen of geweest.",
        "en": "That block has already started or run.",
    },
    "show.block_running": {
        "nl": "Er loopt nog een blok: beëindig het of ga naar het volgende.",
        "en": "A block is still running: end it or go to the next.",
    },
    "show.block_skipped": {
        "nl": "Dat blok is overgeslagen; zet het eerst terug.",
        "en": "That block was skipped; restore it first.",
    },
    "show.bad_minutes": {
        "nl": "Kies een heel aantal minuten van 1 tot {max_step}.",
        "en": "Choose a whole number of minutes from 1 to {max_step}.",
    },
    "show.too_short": {
        "nl": "Korter kan niet: een blok duurt minstens {min_block}.",
        "en": "It cannot be shorter: a block lasts at least {min_block}.",
    },
    "show.too_long": {
        "nl": "Langer kan niet: een blok duurt hoogstens {max_block}.",
        "en": "It cannot be longer: a block lasts at most {max_block}.",
    },
    "show.bad_position": {
        "nl": "Daarheen kan dat blok niet.",
        "en": "That block cannot move there.",
    },
    "show.message_too_long": {
        "nl": "Een bericht heeft hoogstens {max_chars} tekens.",
        "en": "A message has at most {max_chars} characters.",
    },
    "show.still_live": {
        "nl": "Het programma loopt nog: beëindig het eerst.",
        "en": "The show is still live: end it first.",
    },
    "show.bad_message": {
        "nl": "Een bericht mag geen stuurtekens bevatten.",
        "en": "A message may not contain control characters.",
    },
    "room_closing": {
        "nl": "Deze ronde sluit bijna: om {time} is het afgelopen.",
        "en": "This round closes soon: it ends at {time}.",
    },
    # The audience vote (festival/web/votes.py, templates/votes/, the confirmation mail).
    "vote_status_upcoming": {
        "nl": "Het stemmen is nog niet begonnen.",
        "en": "Voting has not started yet.",
    },
    "vote_status_open": {"nl": "Het stemmen is open.", "en": "Voting is open."},
    "vote_status_closed": {
        "nl": "Het stemmen is gesloten; de uitslag volgt.",
        "en": "Voting has closed; the result follows.",
    },
    "vote_status_revealed": {"nl": "De uitslag is bekend.", "en": "The result is out."},
    "admin_vote_live": {
        "nl": "Alleen jij ziet deze tellingen tot de uitslag bekend is.",
        "en": "Only you see these counts until the result is revealed.",
    },
    "admin_vote_overlay": {"nl": "Overlay voor de stream", "en": "Overlay for the stream"},
    "admin_vote_counted": {"nl": "Geteld", "en": "Counted"},
    "vote_to_page": {"nl": "Naar de stemming", "en": "To the vote"},
    "vote_closes": {"nl": "stemmen kan tot", "en": "voting closes"},
    "vote_result": {"nl": "Uitslag", "en": "Result"},
    "vote_winner": {"nl": "Winnaar", "en": "Winner"},
    "vote_ballots": {"nl": "{n} stemmen", "en": "{n} votes"},
    "vote_for": {"nl": "Stem op \u2068{name}\u2069", "en": "Vote for \u2068{name}\u2069"},
    "vote_email_label": {"nl": "Je e-mailadres", "en": "Your e-mail address"},
    "vote_email_help": {
        "nl": "We mailen je een link. Je stem telt pas als je die link volgt en bevestigt. "
        "Eén stem per e-mailadres.",
        "en": "We mail you a link. Your vote counts only once you follow it and confirm. "
        "One vote per e-mail address.",
    },
    "vote_submit": {"nl": "Stem", "en": "Vote"},
    "vote_sent": {
        "nl": "Bijna klaar: we hebben je een e-mail gestuurd. Je stem telt zodra je de link "
        "daarin volgt en bevestigt.",
        "en": "Nearly done: we sent you an e-mail. Your vote counts once you follow its link "
        "and confirm.",
    },
    "vote_registered_only": {
        "nl": "Alleen deelnemers stemmen hier, met de link naar hun persoonlijke pagina.",
        "en": "Only attendees vote here, with the link to their personal page.",
    },
    "vote_your_ballot": {
        "nl": "Je stemde op \u2068{nominee}\u2069.",
        "en": "You voted for \u2068{nominee}\u2069.",
    },
    "vote_pending": {"nl": "nog niet bevestigd", "en": "not confirmed yet"},
    "vote_counted": {"nl": "Je stem telt. Dank je wel!", "en": "Your vote counts. Thank you!"},
    "vote_withdraw": {"nl": "Stem intrekken", "en": "Withdraw my vote"},
    "vote_withdrawn": {"nl": "Je stem is ingetrokken.", "en": "Your vote was withdrawn."},
    "vote_back": {"nl": "Naar de stempagina", "en": "To the vote"},
    "vote_confirm_title": {"nl": "Bevestig je stem", "en": "Confirm your vote"},
    "vote_confirm_text": {
        "nl": "Je stemt op \u2068{nominee}\u2069 in \u2068{vote}\u2069. Je stem telt pas als "
        "je op de knop drukt.",
        "en": "You are voting for \u2068{nominee}\u2069 in \u2068{vote}\u2069. Your vote "
        "counts only once you press the button.",
    },
    "vote_confirm_counted": {
        "nl": "Je stem op \u2068{nominee}\u2069 telt.",
        "en": "Your vote for \u2068{nominee}\u2069 counts.",
    },
    "vote_confirm_gone": {
        "nl": "Deze stem is ingetrokken of vervangen door een latere; deze link telt niets meer.",
        "en": "This vote was withdrawn or replaced by a later one; this link counts nothing "
        "any more.",
    },
    "vote_bad_link_title": {"nl": "Onbekende link", "en": "Unknown link"},
    "vote_bad_link_text": {
        "nl": "Deze bevestigingslink kennen we niet. Er is niets geteld. Kopieer de link "
        "volledig uit de e-mail, of stem opnieuw.",
        "en": "We do not know this confirmation link. Nothing was counted. Copy the whole link "
        "from the e-mail, or vote again.",
    },
    "ballot_confirm": {"nl": "Bevestig mijn stem", "en": "Confirm my vote"},
    "mail_hello_nameless": {"nl": "Hallo,", "en": "Hello,"},
    "mail_ballot_subject": {"nl": "Bevestig je stem: {vote}", "en": "Confirm your vote: {vote}"},
    "mail_ballot": {
        "nl": "Je hebt gestemd op {nominee} in {vote}. Je stem telt pas als je hem bevestigt "
        "met de knop hieronder.",
        "en": "You voted for {nominee} in {vote}. Your vote counts only once you confirm it "
        "with the button below.",
    },
    "mail_ballot_ignore": {
        "nl": "Heb jij niet gestemd? Dan kun je deze e-mail negeren: er telt niets.",
        "en": "Did you not vote? Then ignore this e-mail: nothing counts.",
    },
    "err_vote_already_voted": {
        "nl": "Met dit e-mailadres of deze link is al een stem uitgebracht die telt.",
        "en": "A vote that counts was cast with this e-mail address or link already.",
    },
    "err_vote_not_open": {
        "nl": "Het stemmen is nog niet begonnen.",
        "en": "Voting has not started yet.",
    },
    "err_vote_closed": {"nl": "Het stemmen is gesloten.", "en": "Voting has closed."},
    "err_vote_revealed": {
        "nl": "De uitslag is al bekend: er kan niet meer gestemd worden.",
        "en": "The result is out: voting has ended.",
    },
    "err_vote_link_required": {
        "nl": "Alleen deelnemers stemmen, met hun persoonlijke link.",
        "en": "Only attendees vote, with their personal link.",
    },
    "err_vote_bad_link": {
        "nl": "Deze stem is ingetrokken of vervangen; er is niets geteld.",
        "en": "This vote was withdrawn or replaced; nothing was counted.",
    },
    "err_vote_other_festival": {
        "nl": "Deze persoonlijke link hoort bij een ander evenement.",
        "en": "This personal link belongs to another event.",
    },
    "err_vote_no_ballot": {
        "nl": "Je hebt hier nog niet gestemd.",
        "en": "You have not voted here.",
    },
    "err_vote_refused": {
        "nl": "Deze stem kon niet worden uitgebracht.",
        "en": "This vote could not be cast.",
    },
    "vote.rate_limited": {
        "nl": "Er kwamen te veel stemmen van dit adres of voor dit e-mailadres. "
        "Probeer het over {wait} opnieuw.",
        "en": "Too many votes came from this address or for this e-mail address. "
        "Please try again in {wait}.",
    },
}

_WEEKDAYS = {
    "nl": ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_MONTHS = {
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}  # fmt: skip


def pick_language(requested: str | None, default: str) -> str:
    """The attendee's choice when it is one we speak, else the festival's language."""
    if requested in LANGUAGES:
        return requested
    return default if default in LANGUAGES else "nl"


def translate(key: str, language: str, **values: object) -> str:
    text = MESSAGES[key][language]
    return text.format(**values) if values else text


_UNITS: Final = {
    "nl": {"hour": ("uur", "uur"), "minute": ("minuut", "minuten")},
    "en": {"hour": ("hour", "hours"), "minute": ("minute", "minutes")},
}


def duration(minutes: int, language: str) -> str:
    """`7 minuten`, `1 uur`, `13 uur 20 minuten` / `1 minute`, `2 hours 5 minutes`: a delay
    of a day before (a rehearsal) reads as hours, not as 800 minutes. The same words as the
    pages' script gets from the browser (Intl.NumberFormat, unit style, long)."""
    hours, rest = divmod(abs(minutes), 60)
    units = _UNITS[language]
    parts = [f"{hours} {units['hour'][hours != 1]}"] if hours else []
    if rest or not hours:
        parts.append(f"{rest} {units['minute'][rest != 1]}")
    return " ".join(parts)


_SECONDS: Final = {"nl": ("seconde", "seconden"), "en": ("second", "seconds")}
_A_MOMENT: Final = {"nl": "een moment", "en": "a moment"}


def wait_text(seconds: int | None, language: str) -> str:
    """How long to wait: `45 seconden`, `2 minuten`, `1 uur` / `45 seconds`, … (None: `a
    moment`). Up to two minutes in seconds, beyond that in whole minutes rounded up."""
    if seconds is None:
        return _A_MOMENT[language]
    if seconds < 120:
        return f"{seconds} {_SECONDS[language][seconds != 1]}"
    return duration(-(-seconds // 60), language)


def percent(fraction: float, language: str) -> str:
    """`12,5%` / `12.5%`: one decimal, with the language's decimal sign (as a spreadsheet in
    that language reads it back as a number)."""
    shown = f"{fraction * 100:.1f}%"
    return shown.replace(".", ",") if language == "nl" else shown


def long_date(day: date, language: str) -> str:
    """`donderdag 19 november 2020` / `Thursday 19 November 2020`."""
    weekday = _WEEKDAYS[language][day.weekday()]
    return f"{weekday} {day.day} {_MONTHS[language][day.month - 1]} {day.year}"


def long_moment(moment: datetime, language: str) -> str:
    """`dinsdag 17 november 2020, 09:00` / `Tuesday 17 November 2020, 09:00`: a wall-clock
    moment (the caller gives it in the zone it means)."""
    return f"{long_date(moment.date(), language)}, {moment:%H:%M}"
