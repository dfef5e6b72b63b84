"""English — the second catalogue. Keys mirror vi.py."""

MESSAGES: dict[str, str] = {
    "cmd.start": "Start, greeting",
    "cmd.help": "The commands you can use",
    "cmd.language": "Change language (Tiếng Việt / English)",
    "cmd.whoami": "Your unit, bloc and role",
    "cmd.invite": "Create invite links for the units",
    "role.rep": "Unit representative",
    "role.secretariat": "Secretariat",
    "role.head_office": "Assistant to the bloc head",
    "role.admin": "Administrator",
    "position.member": "a member",
    "position.head": "the bloc head",
    "position.deputy": "the deputy head",
    "start.stranger": (
        "Hello {name}! This is <b>Thi đua Bot</b>, the assistant for the emulation and commendation "
        "work of the education blocs.\n\n"
        "You are not linked to any unit yet. Open the <b>invite link</b> your bloc head sent to your "
        "unit.\n\n/help — the commands you can use\n/language — change language"
    ),
    "start.member": (
        "Hello {name}! This is <b>Thi đua Bot</b>, the emulation and commendation assistant.\n\n"
        "{roles}\n\nType /help to see what you can do."
    ),
    "help.title": "<b>The commands you can use:</b>",
    "help.no_role": "Once you open your unit's invite link, more commands will appear here.",
    "whoami.title": "<b>You are:</b> {name}",
    "whoami.unit_role": "• {role} of <b>{unit}</b>\n   {bloc} · school year {year} · the unit is {position}",
    "whoami.bloc_role": "• {role} of <b>{bloc}</b> · school year {year}",
    "whoami.admin": "• System administrator",
    "whoami.none": "You have no role yet. Open the invite link your bloc head sent to your unit.",
    "whoami.phone": "Phone: {phone}",
    "language.choose": "Chọn ngôn ngữ / Choose your language:",
    "language.set": "Switched to English.",
    "invite.unknown": "This invite link is not valid. Please check it with your bloc head.",
    "invite.used": "This invite link has already been used. Each link works once — ask your bloc head for a new one.",
    "invite.expired": "This invite link expired on {date}. Ask your bloc head for a new one.",
    "invite.already": "You already represent <b>{unit}</b>. The link is still unused and can go to a colleague.",
    "join.welcome": (
        "Welcome! You are now recorded as a <b>representative</b> of <b>{unit}</b> "
        "({bloc}, school year {year}).\n\nPlease type your <b>full name</b> "
        "(used in the minutes and the dossier):"
    ),
    "join.keep_name": "Keep name: {name}",
    "join.bad_name": "A full name has 2 to 100 characters with letters. Please type it again:",
    "join.ask_phone": "Your contact phone number? Type it, or tap «Skip».",
    "join.skip": "Skip",
    "join.bad_phone": "That phone number does not look right. Type 10 digits, e.g. 0912 345 678, or tap «Skip».",
    "join.done": "Saved. Thank you, {name}! Type /help to see what you can do.",
    "join.cancelled": "Stopped. What was saved stays; type /help to go on.",
    "invites.title": "<b>Invite links for the units of {bloc}</b>\nEach link works once and expires at {expires}.",
    "invites.line": "• {unit}:\n{link}",
    "invites.none": "You are not in charge of a bloc this school year.",
    "roster.bad_encoding": "The CSV file is not UTF-8. Save it as «CSV UTF-8» and import it again.",
    "roster.bad_file": "Could not read {file}: {detail}",
    "roster.bad_type": "Only .csv or .xlsx files are accepted (got: {file}).",
    "roster.empty": "The file has no data rows.",
    "roster.missing_column": "Column «{column}» is missing (columns found: {found}).",
    "roster.empty_unit": "Row {line}: the unit name is empty.",
    "roster.bad_bloc": "Row {line}: cannot read the bloc «{value}» (e.g. «Khối thi đua số 2» or «2»).",
    "roster.bad_role": "Row {line}: cannot read the role «{value}» (head, deputy or member).",
    "roster.bad_year": "Row {line}: cannot read the school year «{value}» (e.g. 2023-2024).",
    "roster.duplicate_row": "Row {line}: «{unit}» is already on row {first} in the same bloc.",
    "roster.two_heads": "Bloc {bloc} has two {position}s: «{first}» (row {first_line}) and «{second}» (row {line}).",
    "roster.two_blocs": "Warning: «{unit}» is listed in {blocs} in school year {year}. Check with the department.",
    "roster.summary": "School year {year}: {added} added, {changed} changed, {unchanged} unchanged, {refused} refused.",
    "roster.bloc_count": "  {bloc}: {count} units",
    "roster.refused_all": "Nothing was written to the database because the file has errors:",
    "error.generic": (
        "Sorry, something went wrong while handling your request. It has been logged so we can fix it. "
        "Please try again in a few minutes."
    ),
    "error.not_allowed": "You are not allowed to use this command. Type /help to see yours.",
    "error.stale_button": "This button is no longer valid. Type /help to start again.",
    "error.unknown_command": "There is no such command. Type /help to see the commands you can use.",
    "error.not_understood": "I did not understand this message. Type /help to see the commands you can use.",
}
