"""The timetable (/nhaplich), deadline pings, /lich and the head's ad-hoc reminder (/nhacviec)."""

VI: dict[str, str] = {
    "cmd.lich": "Các việc sắp đến hạn của bạn",
    "cmd.nhacviec": "Nhắc các đơn vị chưa hoàn thành một việc",
    "cmd.nhaplich": "Nạp khung kế hoạch thời gian của năm học",
    "cmd.caidatnhac": "Xem và đổi lịch nhắc việc của khối: ngày nhắc, giờ gửi, giờ không nhắn",
    # Reading a timetable
    "timetable.bad_file": "Không đọc được tệp {file}: {detail}",
    "timetable.bad_encoding": "Tệp CSV không phải mã UTF-8. Hãy lưu lại bằng «CSV UTF-8» rồi gửi lại.",
    "timetable.bad_type": "Chỉ nhận tệp .xlsx, .csv hoặc .txt (tệp đã gửi: {file}).",
    "timetable.empty": "Không thấy dòng nào của khung kế hoạch (cần 4 cột: TT, Nội dung, Thời gian hoàn thành, Đơn vị thực hiện).",
    "timetable.no_bloc": "Không có Khối thi đua số {bloc}.",
    "timetable.ask": (
        "Hãy <b>dán bảng</b> «Khung kế hoạch thời gian» (4 cột: TT, Nội dung, Thời gian hoàn thành, "
        "Đơn vị thực hiện; mỗi dòng một mục, các cột cách nhau bằng dấu | hoặc phím Tab) "
        "hoặc <b>gửi tệp</b> .xlsx / .csv.\nGõ /huy để thôi."
    ),
    # Zalo sends no documents: the table is pasted as text (copied from Excel or Word).
    "timetable.ask_paste": (
        "Hãy <b>dán bảng</b> «Khung kế hoạch thời gian» vào tin nhắn (4 cột: TT, Nội dung, "
        "Thời gian hoàn thành, Đơn vị thực hiện; mỗi dòng một mục, các cột cách nhau bằng dấu | "
        "hoặc phím Tab). Zalo không gửi được tệp: hãy sao chép bảng từ Excel rồi dán vào đây.\n"
        "Gõ /huy để thôi."
    ),
    "timetable.preview.title": "<b>Khung kế hoạch thời gian — năm học {year}</b>\nÁp dụng cho: {scope}",
    "timetable.scope.all": "tất cả các khối thi đua",
    "timetable.preview.row": "{number}. {title}\n    Hạn: <b>{due}</b> ({written}) · {who}{task}",
    "timetable.preview.task": " · có nút «{task}»",
    "timetable.preview.preamble": "(Đã bỏ qua {count} dòng tiêu đề ở đầu.)",
    "timetable.preview.confirm": "Đã đọc được {count} mục. Lưu khung kế hoạch này và lên lịch nhắc việc?",
    "timetable.refused": "<b>Không lưu gì</b>: có {count} dòng không đọc được. Hãy sửa rồi gửi lại cả bảng.",
    "timetable.refused.row": "• Dòng {row}: {text}\n  → {reason}",
    "timetable.button.save": "✅ Lưu",
    "timetable.button.drop": "✖️ Huỷ",
    "timetable.saved": (
        "Đã lưu khung kế hoạch năm học {year}: thêm {added}, thay đổi {changed}, bỏ {removed}, "
        "giữ nguyên {unchanged}. Đã lên lịch {reminders} lần nhắc."
    ),
    "timetable.dropped": "Đã huỷ, không lưu gì.",
    "timetable.gone": "Bản xem trước này đã được lưu, đã huỷ hoặc đã hết hạn.",
    "timetable.cancelled": "Đã thôi nạp khung kế hoạch.",
    "timetable.not_allowed": "Chỉ Khối trưởng, Khối phó, người giúp việc Khối trưởng hoặc quản trị viên mới nạp được khung kế hoạch.",
    # Pings
    "reminders.ping.title": "🔔 <b>Nhắc việc</b> — {bloc}",
    "reminders.snooze.title": "🔔 <b>Nhắc lại</b> — {bloc}",
    "reminders.adhoc.title": "📣 <b>Khối trưởng nhắc việc</b> — {bloc}",
    "reminders.ping.milestone": "<b>{number}. {title}</b>",
    "reminders.ping.due": "Hạn: <b>{due}</b> ({written})",
    "reminders.ping.unit": "Đơn vị: {unit}",
    "reminders.days_left": "Còn {days} ngày.",
    "reminders.due_today": "Hôm nay là hạn cuối.",
    "reminders.overdue_by": "Đã quá hạn {days} ngày.",
    "reminders.button.register": "📝 Đăng ký thi đua",
    "reminders.button.sign": "✍️ Ký giao ước",
    "reminders.button.score": "📊 Tự chấm điểm",
    "reminders.button.snooze": "⏰ Nhắc lại sau",
    "reminders.button.mute": "🔕 Không nhắc việc này nữa",
    "reminders.button.remind_units": "📣 Nhắc mục {number}",
    "reminders.button.resolved": "✔️ Bỏ mục {number}",
    "reminders.overdue.title": "⚠️ <b>Các việc đã quá hạn — {bloc}</b>",
    "reminders.overdue.line": "• {number}. {title} — hạn {due}{missing}",
    "reminders.overdue.missing": ": còn {missing}/{total} đơn vị chưa xong",
    "reminders.overdue.footer": "Bấm «Nhắc» để nhắc các đơn vị chưa xong, «Bỏ» khi việc đã giải quyết.",
    "reminders.unreachable.title": (
        "⚠️ <b>Không gửi được nhắc việc</b> tới {count} người: họ đã chặn Thi đua Bot "
        "hoặc chưa bắt đầu trò chuyện với bot."
    ),
    "reminders.unreachable.line": "• <b>{name}</b> — {unit} — {phone}",
    "reminders.unreachable.footer": "Hãy liên hệ trực tiếp. Khi họ nhắn lại cho bot, nhắc việc sẽ gửi tới họ như thường.",
    "reminders.no_phone": "chưa có số điện thoại",
    "reminders.snoozed": "Sẽ nhắc lại lúc {when}.",
    "reminders.snooze_already": "Việc này đã được hẹn nhắc lại một lần rồi.",
    "reminders.muted": "Đã tắt nhắc việc này.",
    "reminders.mute_already": "Việc này đã được tắt nhắc rồi.",
    "reminders.resolved": "Đã bỏ mục này khỏi danh sách quá hạn của bạn.",
    "reminders.task_soon": "Chức năng này chưa sẵn sàng trong bot. Hãy làm theo hướng dẫn của Khối trưởng.",
    # /lich
    "lich.title": "<b>Các việc của bạn</b> (hôm nay {today})",
    "lich.line": "• <b>{due}</b> — {number}. {title}\n   {left}{unit}{status}",
    "lich.unit": " · {unit}",
    "lich.done": " · ✅ đã xong",
    "lich.muted": " · 🔕 đã tắt nhắc",
    "lich.head_deadline": " · ⏰ hạn chót của khối: {when}",
    "lich.line_deadline": "• <b>{due}</b> — {what}\n   {left}{unit}{status}",
    "lich.task.register": "Đăng ký thi đua: hạn chót của khối {when}",
    "lich.task.sign": "Ký giao ước thi đua: hạn chót của khối {when}",
    "lich.task.score": "Gửi bảng tự chấm điểm: hạn chót của khối {when}",
    "lich.none": "Không có việc nào sắp đến hạn.",
    "lich.more": "… và {count} việc nữa.",
    # /nhacviec
    "nhacviec.title": "Chọn việc để nhắc các đơn vị <b>chưa hoàn thành</b>:",
    "nhacviec.line": "• {number}. {title} — hạn {due} ({bloc}){missing}",
    "nhacviec.missing": ": {missing}/{total} đơn vị chưa xong",
    "nhacviec.button": "{number}. {title} — {due}",
    "nhacviec.none": "Chưa có việc nào để nhắc. Hãy nạp khung kế hoạch bằng /nhaplich.",
    "nhacviec.sent": "Đã lên lịch nhắc {count} đơn vị, gửi lúc {when}.",
    "nhacviec.already": "Hôm nay đã nhắc việc này rồi.",
    # /caidatnhac: the bloc's ping schedule
    "remset.title": "⚙️ <b>Cài đặt nhắc việc — {bloc}</b>",
    "remset.summary": "Nhắc {when}, lúc <b>{send_at}</b>; không nhắn từ <b>{start}</b> đến <b>{end}</b>.",
    "remset.before": "trước {days}",
    "remset.day": "{days} ngày",
    "remset.days": "{days} ngày",
    "remset.on_the_day": "đúng ngày hạn",
    "remset.and": " và ",
    "remset.hint": (
        "Chọn số ngày nhắc trước hạn (0 là đúng ngày hạn), hoặc đổi giờ gửi và giờ không nhắn. "
        "Lịch nhắc chưa gửi sẽ theo cài đặt mới."
    ),
    "remset.pick_bloc": "Chọn khối để xem và đổi cài đặt nhắc việc:",
    "remset.button.preset": "{days} ngày",
    "remset.button.current": "✅ {label}",
    "remset.button.send_at": "🕗 Giờ gửi: {send_at}",
    "remset.button.quiet": "🌙 Không nhắn: {start}–{end}",
    "remset.ask_time": (
        "Gõ <b>giờ gửi</b> nhắc việc mới theo dạng HH:MM (24 giờ), ví dụ 08:00 hoặc 14:30. "
        "Hiện tại: {send_at}; giờ không nhắn: {start}–{end}.\nGõ /huy để thôi."
    ),
    "remset.ask_quiet": (
        "Gõ <b>khoảng giờ không nhắn</b> theo dạng HH:MM-HH:MM, ví dụ 21:00-07:00 (qua nửa đêm được). "
        "Hiện tại: {start}-{end}; giờ gửi: {send_at}.\nGõ /huy để thôi."
    ),
    "remset.saved": "✅ <b>Đã lưu</b> cài đặt nhắc việc.",
    "remset.saved.toast": "✅ Đã lưu.",
    "remset.replanned": "Đã lên lịch lại {count} lần nhắc chưa gửi.",
    "remset.cancelled": "Đã thôi, cài đặt nhắc việc giữ nguyên.",
    "remset.not_allowed": (
        "Chỉ Khối trưởng, Khối phó, người giúp việc Khối trưởng hoặc quản trị viên mới xem và đổi "
        "được cài đặt nhắc việc của khối."
    ),
    "remset.choose_bloc": "Bạn phụ trách nhiều khối: hãy gõ /caidatnhac và chọn khối trước. Chưa đổi gì.",
    "remset.bad_button": "Nút này không hợp lệ hoặc đã cũ; chưa đổi gì. Gõ /caidatnhac để mở lại.",
    "remset.bad_offsets": "Lịch nhắc này không hợp lệ; chưa đổi gì. Hãy chọn một trong các nút.",
    "remset.bad_time": (
        "«{text}» không phải giờ hợp lệ; chưa đổi gì. Hãy gõ theo dạng HH:MM (24 giờ), "
        "ví dụ 08:00 hoặc 14:30."
    ),
    "remset.bad_quiet": (
        "«{text}» không đúng dạng; chưa đổi gì. Hãy gõ giờ bắt đầu và giờ kết thúc theo dạng "
        "HH:MM-HH:MM, ví dụ 21:00-07:00."
    ),
    "remset.quiet_empty": (
        "Giờ bắt đầu và giờ kết thúc trùng nhau ({start}); chưa đổi gì. "
        "Khoảng không nhắn phải dài ít nhất một phút, ví dụ 21:00-07:00."
    ),
    "remset.send_in_quiet": (
        "Không lưu: giờ gửi {send_at} nằm trong khoảng không nhắn {start}–{end}, nên nhắc việc "
        "sẽ luôn bị hoãn. Hãy chọn giờ gửi ngoài khoảng này, hoặc đổi khoảng không nhắn."
    ),
}

EN: dict[str, str] = {
    "cmd.lich": "Your upcoming deadlines",
    "cmd.nhacviec": "Remind the units that have not done an item",
    "cmd.nhaplich": "Load the school year's timetable",
    "cmd.caidatnhac": "See and change the bloc's reminder schedule: days, send time, quiet hours",
    "timetable.bad_file": "Could not read {file}: {detail}",
    "timetable.bad_encoding": "The CSV file is not UTF-8. Save it as «CSV UTF-8» and send it again.",
    "timetable.bad_type": "Only .xlsx, .csv or .txt files are accepted (got: {file}).",
    "timetable.empty": "No timetable rows found (4 columns are needed: TT, Nội dung, Thời gian hoàn thành, Đơn vị thực hiện).",
    "timetable.no_bloc": "There is no bloc number {bloc}.",
    "timetable.ask": (
        "<b>Paste the table</b> «Khung kế hoạch thời gian» (4 columns: TT, Nội dung, Thời gian hoàn thành, "
        "Đơn vị thực hiện; one item per line, columns separated by | or Tab) "
        "or <b>send a file</b> .xlsx / .csv.\nType /cancel to stop."
    ),
    "timetable.ask_paste": (
        "<b>Paste the table</b> «Khung kế hoạch thời gian» into a message (4 columns: TT, Nội dung, "
        "Thời gian hoàn thành, Đơn vị thực hiện; one item per line, columns separated by | or Tab). "
        "Zalo cannot send files: copy the table from Excel and paste it here.\nType /cancel to stop."
    ),
    "timetable.preview.title": "<b>Timetable — school year {year}</b>\nApplies to: {scope}",
    "timetable.scope.all": "every bloc",
    "timetable.preview.row": "{number}. {title}\n    Due: <b>{due}</b> ({written}) · {who}{task}",
    "timetable.preview.task": " · with a «{task}» button",
    "timetable.preview.preamble": "({count} title lines at the top were skipped.)",
    "timetable.preview.confirm": "{count} items read. Save this timetable and schedule the reminders?",
    "timetable.refused": "<b>Nothing was saved</b>: {count} rows could not be read. Fix them and send the whole table again.",
    "timetable.refused.row": "• Row {row}: {text}\n  → {reason}",
    "timetable.button.save": "✅ Save",
    "timetable.button.drop": "✖️ Cancel",
    "timetable.saved": (
        "Timetable for {year} saved: {added} added, {changed} changed, {removed} removed, "
        "{unchanged} unchanged. {reminders} reminders scheduled."
    ),
    "timetable.dropped": "Cancelled; nothing was saved.",
    "timetable.gone": "This preview was already saved, cancelled or has expired.",
    "timetable.cancelled": "Timetable loading stopped.",
    "timetable.not_allowed": "Only the bloc head, the deputy, the head's assistant or an administrator can load a timetable.",
    "reminders.ping.title": "🔔 <b>Reminder</b> — {bloc}",
    "reminders.snooze.title": "🔔 <b>Reminder again</b> — {bloc}",
    "reminders.adhoc.title": "📣 <b>The bloc head reminds you</b> — {bloc}",
    "reminders.ping.milestone": "<b>{number}. {title}</b>",
    "reminders.ping.due": "Due: <b>{due}</b> ({written})",
    "reminders.ping.unit": "Unit: {unit}",
    "reminders.days_left": "{days} days left.",
    "reminders.due_today": "Today is the last day.",
    "reminders.overdue_by": "Overdue by {days} days.",
    "reminders.button.register": "📝 Register",
    "reminders.button.sign": "✍️ Sign the pact",
    "reminders.button.score": "📊 Self-score",
    "reminders.button.snooze": "⏰ Remind me later",
    "reminders.button.mute": "🔕 Stop reminding me of this",
    "reminders.button.remind_units": "📣 Remind item {number}",
    "reminders.button.resolved": "✔️ Drop item {number}",
    "reminders.overdue.title": "⚠️ <b>Overdue items — {bloc}</b>",
    "reminders.overdue.line": "• {number}. {title} — due {due}{missing}",
    "reminders.overdue.missing": ": {missing}/{total} units not done",
    "reminders.overdue.footer": "Tap «Remind» to remind the units not done, «Drop» once an item is settled.",
    "reminders.unreachable.title": (
        "⚠️ <b>Reminders could not reach</b> {count} people: they blocked Thi đua Bot "
        "or never started a chat with it."
    ),
    "reminders.unreachable.line": "• <b>{name}</b> — {unit} — {phone}",
    "reminders.unreachable.footer": "Please contact them directly. Once they write to the bot again, their reminders resume.",
    "reminders.no_phone": "no phone number on file",
    "reminders.snoozed": "I will remind you again at {when}.",
    "reminders.snooze_already": "This reminder was already snoozed once.",
    "reminders.muted": "Reminders for this item are off.",
    "reminders.mute_already": "Reminders for this item were already off.",
    "reminders.resolved": "Dropped from your overdue list.",
    "reminders.task_soon": "The bot cannot do this yet. Please follow your bloc head's instructions.",
    "lich.title": "<b>Your items</b> (today {today})",
    "lich.line": "• <b>{due}</b> — {number}. {title}\n   {left}{unit}{status}",
    "lich.unit": " · {unit}",
    "lich.done": " · ✅ done",
    "lich.head_deadline": " · ⏰ the bloc's deadline: {when}",
    "lich.line_deadline": "• <b>{due}</b> — {what}\n   {left}{unit}{status}",
    "lich.task.register": "Registration: the bloc's deadline is {when}",
    "lich.task.sign": "Signing the pact: the bloc's deadline is {when}",
    "lich.task.score": "Sending the self-score sheet: the bloc's deadline is {when}",
    "lich.muted": " · 🔕 muted",
    "lich.none": "Nothing is due soon.",
    "lich.more": "… and {count} more.",
    "nhacviec.title": "Choose an item to remind the units that have <b>not done</b> it:",
    "nhacviec.line": "• {number}. {title} — due {due} ({bloc}){missing}",
    "nhacviec.missing": ": {missing}/{total} units not done",
    "nhacviec.button": "{number}. {title} — {due}",
    "nhacviec.none": "Nothing to remind about yet. Load the timetable with /nhaplich.",
    "nhacviec.sent": "Reminder scheduled for {count} units, sending at {when}.",
    "nhacviec.already": "This item was already reminded today.",
    "remset.title": "⚙️ <b>Reminder settings — {bloc}</b>",
    "remset.summary": "Reminders {when}, at <b>{send_at}</b>; no messages from <b>{start}</b> to <b>{end}</b>.",
    "remset.before": "{days} before",
    "remset.day": "{days} day",
    "remset.days": "{days} days",
    "remset.on_the_day": "on the due day",
    "remset.and": " and ",
    "remset.hint": (
        "Choose how many days before the deadline to remind (0 is the due day), or change the send "
        "time and the quiet hours. Reminders not yet sent follow the new settings."
    ),
    "remset.pick_bloc": "Choose a bloc to see and change its reminder settings:",
    "remset.button.preset": "{days} days",
    "remset.button.current": "✅ {label}",
    "remset.button.send_at": "🕗 Send time: {send_at}",
    "remset.button.quiet": "🌙 Quiet: {start}–{end}",
    "remset.ask_time": (
        "Type the new <b>send time</b> as HH:MM (24-hour clock), e.g. 08:00 or 14:30. "
        "Now: {send_at}; quiet hours: {start}–{end}.\nType /cancel to stop."
    ),
    "remset.ask_quiet": (
        "Type the <b>quiet hours</b> as HH:MM-HH:MM, e.g. 21:00-07:00 (may cross midnight). "
        "Now: {start}-{end}; send time: {send_at}.\nType /cancel to stop."
    ),
    "remset.saved": "✅ <b>Saved</b>: reminder settings.",
    "remset.saved.toast": "✅ Saved.",
    "remset.replanned": "{count} unsent reminders were rescheduled.",
    "remset.cancelled": "Stopped; the reminder settings are unchanged.",
    "remset.not_allowed": (
        "Only the bloc head, the deputy, the head's assistant or an administrator can see and change "
        "the bloc's reminder settings."
    ),
    "remset.choose_bloc": "You run several blocs: type /remindersettings and choose a bloc first. Nothing changed.",
    "remset.bad_button": "This button is not valid or is out of date; nothing changed. Type /remindersettings to reopen.",
    "remset.bad_offsets": "This reminder schedule is not valid; nothing changed. Please choose one of the buttons.",
    "remset.bad_time": "«{text}» is not a valid time; nothing changed. Type it as HH:MM (24-hour clock), e.g. 08:00 or 14:30.",
    "remset.bad_quiet": (
        "«{text}» is not in the right form; nothing changed. Type the start and the end as "
        "HH:MM-HH:MM, e.g. 21:00-07:00."
    ),
    "remset.quiet_empty": (
        "The start and the end are the same ({start}); nothing changed. "
        "Quiet hours must last at least a minute, e.g. 21:00-07:00."
    ),
    "remset.send_in_quiet": (
        "Not saved: the send time {send_at} is inside the quiet hours {start}–{end}, so reminders "
        "would always be held back. Choose a send time outside them, or change the quiet hours."
    ),
}
