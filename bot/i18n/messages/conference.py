"""The honours conference: quotas, delegates, invitations, the programme (issue 18)."""

VI: dict[str, str] = {
    "cmd.hoinghi": "Hội nghị điển hình tiên tiến (bộ phận thi đua)",
    "cmd.daibieu": "Đại biểu dự Hội nghị điển hình tiên tiến",
    "conf.ask_title": "Tên hội nghị (ví dụ: Hội nghị điển hình tiên tiến giai đoạn 2020-2025):",
    "conf.ask_when": "Thời gian khai mạc (dd/mm/yyyy hh:mm):",
    "conf.bad_when": "Tôi không đọc được thời gian. Ví dụ: 20/05/2026 07:30",
    "conf.ask_place": "Địa điểm:",
    "conf.menu": (
        "<b>{title}</b>\n{when} — {place}\nChỉ tiêu đã phân bổ: {seats} đại biểu điển hình ({units} đơn vị)\n"
        "Đã có: {exemplars} đại biểu điển hình, {guests} khách mời (tối đa 200; khách mời tối đa 30%)\n"
        "Đã xác nhận tham dự: {confirmed}"
    ),
    "conf.btn.quotas": "Phân bổ chỉ tiêu",
    "conf.btn.guests": "Danh sách khách mời",
    "conf.btn.export": "📄 Xuất danh sách đại biểu và chương trình",
    "conf.btn.attend": "✓ Tham dự",
    "conf.btn.decline": "✗ Không tham dự",
    "conf.ask_quotas": "Mỗi dòng một đơn vị và số đại biểu điển hình, ví dụ:\nTrường THPT Châu Văn Liêm: 5",
    "conf.ask_guests": "Mỗi dòng một khách mời: Họ và tên; chức vụ (danh sách này thay danh sách cũ).",
    "conf.saved_quotas": "Đã lưu chỉ tiêu của {units} đơn vị, tổng {seats} đại biểu điển hình.",
    "conf.unit": (
        "<b>{title}</b> — {when}\nChỉ tiêu của {unit}: {quota} đại biểu điển hình.\nĐã đăng ký: {names}\n"
        "Gõ danh sách đại biểu, mỗi dòng một người: Họ và tên; thành tích (danh sách này thay danh sách cũ)."
    ),
    "conf.unit_none": "Chưa có hội nghị điển hình tiên tiến nào được tổ chức.",
    "conf.saved_delegates": "Đã lưu {count} đại biểu. Mã mời riêng (chuyển cho từng người, mỗi người gửi cho bot <code>/daibieu MÃ</code>):\n{codes}",
    "conf.saved_guests": "Đã lưu {count} khách mời. Mã mời riêng:\n{codes}",
    "conf.code_line": "• {name}: <code>{code}</code>",
    "conf.invitation": "Kính mời <b>{name}</b> dự {title}, {when}, tại {place}. Xin xác nhận:",
    "conf.confirmed": "Cảm ơn {name}: đã ghi nhận xác nhận tham dự.",
    "conf.declined": "Đã ghi nhận {name} không tham dự.",
    "conf.exported": "Đã xuất danh sách đại biểu và chương trình hội nghị.",
    "conf.none_text": "Ở bước này tôi cần một tin nhắn chữ.",
    "conf.refused.none": "Chưa có hội nghị nào; bộ phận thi đua tạo bằng /hoinghi.",
    "conf.refused.duplicate": "Danh sách có người trùng tên: {names}. Không có gì thay đổi.",
    "conf.refused.over_cap": "Danh sách vượt quá 200 đại biểu {over} người. Không có gì thay đổi.",
    "conf.refused.guests_over": (
        "Khách mời vượt quá 30% tổng số đại biểu: cần bớt {over} khách mời. Không có gì thay đổi."
    ),
    "conf.refused.over_quota": "{unit} vượt chỉ tiêu {over} đại biểu. Không có gì thay đổi.",
    "conf.refused.no_quota": "{unit} chưa được phân bổ chỉ tiêu đại biểu.",
    "conf.refused.bad_quota_line": "Không đọc được dòng «{line}» (cần: Tên đơn vị: số). Không có gì thay đổi.",
    "conf.refused.no_names": "Danh sách trống.",
    "conf.refused.bad_code": "Mã mời không đúng.",
    "conf.refused.code_used": "Mã mời này đã được người khác dùng.",
    "conf.btn.propose": "Đề cử đi Đại hội cấp trên",
    "conf.btn.ballot": "🗳 Biểu quyết thông qua danh sách",
    "conf.ask_congress": "Mỗi dòng một đại biểu (trong danh sách hội nghị) được đề cử đi dự Đại hội cấp trên:",
    "conf.proposed": "Đã đề cử {count} đại biểu: {names}.",
    "conf.ballot_opened": "Đã mở biểu quyết kín; {count} đại biểu đã xác nhận tham dự nhận phiếu. Kết thúc bằng /hoidong.",
    "conf.ballot_notice": "🗳 Hội nghị biểu quyết kín: <b>{title}</b>\n{names}",
    "conf.refused.not_delegate": "Không có trong danh sách đại biểu hội nghị: {names}. Không có gì thay đổi.",
    "conf.refused.no_proposal": "Chưa đề cử đại biểu nào đi Đại hội cấp trên.",
    "conf.refused.no_voters": "Chưa có đại biểu nào xác nhận tham dự để biểu quyết.",
}

EN: dict[str, str] = {
    "cmd.hoinghi": "The honours conference (emulation desk)",
    "cmd.daibieu": "Delegates to the honours conference",
    "conf.ask_title": "The conference's name:",
    "conf.ask_when": "When it opens (dd/mm/yyyy hh:mm):",
    "conf.bad_when": "I cannot read the time. E.g. 20/05/2026 07:30",
    "conf.ask_place": "Where:",
    "conf.menu": (
        "<b>{title}</b>\n{when} — {place}\nSeats allocated: {seats} exemplars ({units} units)\n"
        "Named: {exemplars} exemplars, {guests} guests (at most 200; guests at most 30%)\nConfirmed: {confirmed}"
    ),
    "conf.btn.quotas": "Allocate seats",
    "conf.btn.guests": "Guest list",
    "conf.btn.export": "📄 Export the delegates and the programme",
    "conf.btn.attend": "✓ I will attend",
    "conf.btn.decline": "✗ I cannot attend",
    "conf.ask_quotas": "One unit a line with its seats for exemplars, e.g.:\nChâu Văn Liêm High School: 5",
    "conf.ask_guests": "One guest a line: Full name; position (this list replaces the previous one).",
    "conf.saved_quotas": "Saved the seats of {units} units, {seats} exemplars in all.",
    "conf.unit": (
        "<b>{title}</b> — {when}\nSeats of {unit}: {quota} exemplars.\nNamed: {names}\n"
        "Type the delegates, one a line: Full name; achievements (this list replaces the previous one)."
    ),
    "conf.unit_none": "No honours conference has been set up.",
    "conf.saved_delegates": "Saved {count} delegates. Private codes (hand each to the person, who sends <code>/daibieu CODE</code> to the bot):\n{codes}",
    "conf.saved_guests": "Saved {count} guests. Private codes:\n{codes}",
    "conf.code_line": "• {name}: <code>{code}</code>",
    "conf.invitation": "<b>{name}</b> is invited to {title}, {when}, at {place}. Please confirm:",
    "conf.confirmed": "Thank you, {name}: your attendance is confirmed.",
    "conf.declined": "Noted that {name} cannot attend.",
    "conf.exported": "Exported the delegate list and the programme.",
    "conf.none_text": "I need a text message at this step.",
    "conf.refused.none": "No conference yet; the emulation desk sets it up with /hoinghi.",
    "conf.refused.duplicate": "The list names someone twice: {names}. Nothing was changed.",
    "conf.refused.over_cap": "The list is {over} over the 200 delegates. Nothing was changed.",
    "conf.refused.guests_over": "Guests exceed 30% of the delegates: {over} guest(s) too many. Nothing was changed.",
    "conf.refused.over_quota": "{unit} is {over} over its seats. Nothing was changed.",
    "conf.refused.no_quota": "{unit} has no seats allocated.",
    "conf.refused.bad_quota_line": "I cannot read the line “{line}” (Unit name: seats). Nothing was changed.",
    "conf.refused.no_names": "The list is empty.",
    "conf.refused.bad_code": "Unknown invitation code.",
    "conf.refused.code_used": "Someone else has used this invitation code.",
    "conf.btn.propose": "Propose for the higher congress",
    "conf.btn.ballot": "🗳 Vote on the list",
    "conf.ask_congress": "One delegate a line (from the conference's list) proposed for the higher congress:",
    "conf.proposed": "Proposed {count} delegate(s): {names}.",
    "conf.ballot_opened": "The secret vote is open; {count} confirmed delegate(s) got a ballot. Close it with /hoidong.",
    "conf.ballot_notice": "🗳 The conference's secret vote: <b>{title}</b>\n{names}",
    "conf.refused.not_delegate": "Not on the conference's list: {names}. Nothing was changed.",
    "conf.refused.no_proposal": "Nobody is proposed for the higher congress yet.",
    "conf.refused.no_voters": "No delegate has confirmed attendance to vote yet.",
}
