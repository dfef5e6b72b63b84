"""Nominations of exemplars and individuals, the desk's review, the council's ballot (issue 18)."""

VI: dict[str, str] = {
    "cmd.dienhinh": "Đề nghị khen thưởng điển hình tiên tiến, cá nhân",
    "cmd.hosodienhinh": "Xét hồ sơ điển hình (bộ phận thi đua)",
    "cmd.hoidong": "Bỏ phiếu của Hội đồng Thi đua – Khen thưởng",
    "nom.start": (
        "<b>Đề nghị khen thưởng điển hình tiên tiến</b> (gửi bất cứ lúc nào trong năm).\n"
        "Đề nghị cho một cá nhân hay một tập thể?"
    ),
    "nom.returned_list": "Hồ sơ bị trả lại, cần sửa và gửi lại: {names}",
    "nom.btn.person": "Cá nhân",
    "nom.btn.collective": "Tập thể",
    "nom.btn.fix": "✎ Sửa và gửi lại",
    "nom.btn.open": "Xem hồ sơ",
    "nom.btn.accept": "✓ Chấp nhận",
    "nom.btn.return": "↩ Trả lại để bổ sung",
    "nom.btn.reject": "✗ Không chấp nhận",
    "nom.btn.paper": "📎 Biên bản họp trên giấy",
    "nom.btn.send": "📤 Gửi hồ sơ",
    "nom.btn.done": "Xong",
    "nom.btn.skip": "Bỏ qua",
    "nom.btn.export": "📄 Xuất hồ sơ đã chấp nhận",
    "nom.ask_title": "Danh hiệu đề nghị?",
    "nom.ask_name": "Họ và tên người được đề nghị (hoặc tên tập thể):",
    "nom.ask_position": "Chức vụ, nhiệm vụ đang đảm nhận:",
    "nom.ask_years": "Thâm niên giảng dạy (số năm, ví dụ 12):",
    "nom.bad_years": "Thâm niên phải là một số năm từ 0 đến 60, ví dụ 12. Xin gõ lại.",
    "nom.ask_summary": "Tóm tắt thành tích trong một đoạn ngắn (dùng cho DANH SÁCH):",
    "nom.ask_achievements": (
        "Toàn văn <b>Tóm tắt thành tích</b> theo mẫu (quá trình công tác, thành tích đạt được, "
        "các hình thức khen thưởng đã nhận):"
    ),
    "nom.ask_contact": "Số điện thoại và email liên hệ (ví dụ: 0912 345 678, hoa@truong.edu.vn):",
    "nom.bad_contact": "Tôi không đọc được số điện thoại hay email. Ví dụ: 0912 345 678, hoa@truong.edu.vn",
    "nom.ask_evidence": "Gửi ảnh hoặc tệp minh chứng (nếu có), rồi chọn «Xong».",
    "nom.ask_evidence_zalo": "Gửi ảnh minh chứng (nếu có), rồi chọn «Xong».",
    "nom.evidence_saved": "Đã lưu minh chứng ({count}).",
    "nom.ask_vote": (
        "Kết quả bình xét của trường: gửi ảnh hoặc tệp <b>Biên bản họp bình xét</b>, rồi chọn «Gửi hồ sơ»."
    ),
    "nom.ask_vote_zalo": (
        "Kết quả bình xét của trường: gửi ảnh <b>Biên bản họp bình xét</b>, rồi chọn «Gửi hồ sơ»."
    ),
    "nom.minutes_saved": "Đã nhận biên bản họp bình xét: {name}.",
    "nom.text_expected": "Ở bước này tôi cần một tin nhắn chữ. Xin gõ lại.",
    "nom.file_expected": "Ở bước này tôi cần ảnh hoặc tệp, hoặc chọn một lựa chọn.",
    "nom.sent": (
        "Đã gửi hồ sơ đề nghị <b>{title}</b> cho <b>{name}</b> tới bộ phận thi đua khen thưởng "
        "(hồ sơ số {id}). Trường sẽ được báo khi có kết quả."
    ),
    "nom.cancelled": "Đã huỷ; chưa có gì được gửi.",
    "nom.refused.not_rep": "Chỉ đại diện của một trường mới gửi được đề nghị khen thưởng.",
    "nom.refused.not_desk": "Lệnh này dành cho bộ phận thi đua khen thưởng.",
    "nom.refused.no_name": "Hồ sơ chưa có họ và tên người (tập thể) được đề nghị.",
    "nom.refused.no_achievements": "Hồ sơ chưa có Tóm tắt thành tích.",
    "nom.refused.no_vote": (
        "Hồ sơ chưa có kết quả bình xét của trường: gửi Biên bản họp bình xét, hoặc chọn kết quả "
        "bình xét trong bot (/binhxet), trước khi gửi hồ sơ."
    ),
    "nom.refused.vote_not_passed": "Cuộc bỏ phiếu đã chọn không cho thấy {name} đạt tỉ lệ cần thiết.",
    "nom.refused.already": "{name} đã được trường đề nghị danh hiệu {title} trong năm học này.",
    "nom.refused.no_desk": "Chưa có bộ phận thi đua khen thưởng nào nhận hồ sơ. Xin báo quản trị viên.",
    "nom.refused.unknown": "Không tìm thấy hồ sơ này.",
    "nom.refused.not_returned": "Hồ sơ của {name} không ở trạng thái bị trả lại.",
    "nom.refused.decided": "Hồ sơ của {name} đã được xử lý rồi.",
    "nom.refused.reason_needed": "Xin gõ lý do.",
    "nom.desk.new": "📥 Hồ sơ điển hình mới: <b>{name}</b> — {unit}, đề nghị {title}.",
    "nom.desk.resubmitted": "📥 Hồ sơ gửi lại sau khi bổ sung: <b>{name}</b> — {unit}, đề nghị {title}.",
    "nom.desk.queue": "Hồ sơ chờ xét ({count}):",
    "nom.desk.empty": "Không có hồ sơ nào chờ xét.",
    "nom.desk.card": (
        "<b>{name}</b> — {unit}\nĐề nghị: {title}\nChức vụ: {position}\nThâm niên: {years}\n"
        "Tóm tắt: {summary}\nLiên hệ: {contact}\nBình xét của trường: {vote}\nMinh chứng: {files} tệp\n"
        "Lịch sử: {history}"
    ),
    "nom.vote.paper": "biên bản họp (tải lên)",
    "nom.vote.meeting": "bỏ phiếu trong bot",
    "nom.ask_return_reason": "Lý do trả lại (trường sẽ sửa và gửi lại):",
    "nom.ask_reject_reason": "Lý do không chấp nhận:",
    "nom.decided.accept": "Đã chấp nhận hồ sơ của {name}. Trường đã được báo.",
    "nom.decided.return": "Đã trả lại hồ sơ của {name} để bổ sung. Trường đã được báo.",
    "nom.decided.reject": "Đã không chấp nhận hồ sơ của {name}. Trường đã được báo.",
    "nom.school.returned": (
        "↩ Hồ sơ đề nghị {title} cho <b>{name}</b> được trả lại để bổ sung.\nLý do: {reason}"
    ),
    "nom.school.rejected": "✗ Hồ sơ đề nghị {title} cho <b>{name}</b> không được chấp nhận.\nLý do: {reason}",
    "nom.school.accepted": "✓ Hồ sơ đề nghị {title} cho <b>{name}</b> đã được chấp nhận.",
    "nom.fix.ask": (
        "Hồ sơ của <b>{name}</b> bị trả lại vì: {reason}\n"
        "Gõ lại toàn văn Tóm tắt thành tích đã sửa (hoặc gửi biên bản mới):"
    ),
    "nom.fix.sent": "Đã gửi lại hồ sơ của <b>{name}</b> tới bộ phận thi đua khen thưởng.",
    "nom.history.submit": "gửi",
    "nom.history.resubmit": "gửi lại",
    "nom.history.return": "trả lại",
    "nom.history.accept": "chấp nhận",
    "nom.history.reject": "không chấp nhận",
    "nom.export.none": "Chưa có hồ sơ nào được chấp nhận để xuất.",
    "nom.export.sent": "Đã xuất {count} hồ sơ: Tờ trình, DANH SÁCH, Tóm tắt thành tích và biên bản.",
}

EN: dict[str, str] = {
    "cmd.dienhinh": "Nominate an exemplar or an individual",
    "cmd.hosodienhinh": "Review exemplar nominations (emulation desk)",
    "cmd.hoidong": "The emulation council's ballot",
    "nom.start": (
        "<b>Nominate an exemplar</b> (any time of the year).\nA nomination for a person or a collective?"
    ),
    "nom.returned_list": "Nominations sent back to fix and resend: {names}",
    "nom.btn.person": "A person",
    "nom.btn.collective": "A collective",
    "nom.btn.fix": "✎ Fix and resend",
    "nom.btn.open": "Open the nomination",
    "nom.btn.accept": "✓ Accept",
    "nom.btn.return": "↩ Return for changes",
    "nom.btn.reject": "✗ Reject",
    "nom.btn.paper": "📎 Minutes of a paper vote",
    "nom.btn.send": "📤 Send the nomination",
    "nom.btn.done": "Done",
    "nom.btn.skip": "Skip",
    "nom.btn.export": "📄 Export the accepted nominations",
    "nom.ask_title": "Which title?",
    "nom.ask_name": "Full name of the person (or the collective's name):",
    "nom.ask_position": "Position and duties:",
    "nom.ask_years": "Years of teaching (a number, e.g. 12):",
    "nom.bad_years": "Years of teaching must be a number from 0 to 60, e.g. 12. Please type it again.",
    "nom.ask_summary": "The achievements in one short paragraph (for the list):",
    "nom.ask_achievements": (
        "The full <b>summary of achievements</b> on the form (career, achievements, awards received):"
    ),
    "nom.ask_contact": "Phone and email (e.g. 0912 345 678, hoa@school.edu.vn):",
    "nom.bad_contact": "I cannot read a phone number or an email. E.g. 0912 345 678, hoa@school.edu.vn",
    "nom.ask_evidence": "Send photos or files as evidence (if any), then choose “Done”.",
    "nom.ask_evidence_zalo": "Send photos as evidence (if any), then choose “Done”.",
    "nom.evidence_saved": "Evidence saved ({count}).",
    "nom.ask_vote": "The school's vote: send a photo or file of the <b>minutes</b>, then choose “Send”.",
    "nom.ask_vote_zalo": "The school's vote: send a photo of the <b>minutes</b>, then choose “Send”.",
    "nom.minutes_saved": "Minutes received: {name}.",
    "nom.text_expected": "I need a text message at this step. Please type it again.",
    "nom.file_expected": "I need a photo or a file at this step, or one of the options.",
    "nom.sent": (
        "Sent the nomination of <b>{name}</b> for <b>{title}</b> to the emulation desk (no. {id}). "
        "The school will be told the outcome."
    ),
    "nom.cancelled": "Cancelled; nothing was sent.",
    "nom.refused.not_rep": "Only a school's representative can send a nomination.",
    "nom.refused.not_desk": "This command is for the emulation desk.",
    "nom.refused.no_name": "The nomination has no name.",
    "nom.refused.no_achievements": "The nomination has no summary of achievements.",
    "nom.refused.no_vote": (
        "The nomination has no vote of the school: send the minutes, or choose a vote held in the bot "
        "(/binhxet), before sending it."
    ),
    "nom.refused.vote_not_passed": "The chosen ballot does not show {name} reaching the threshold.",
    "nom.refused.already": "The school has already nominated {name} for {title} this school year.",
    "nom.refused.no_desk": "No emulation desk receives nominations yet. Please tell the administrator.",
    "nom.refused.unknown": "No such nomination.",
    "nom.refused.not_returned": "The nomination of {name} has not been returned.",
    "nom.refused.decided": "The nomination of {name} has already been handled.",
    "nom.refused.reason_needed": "Please type the reason.",
    "nom.desk.new": "📥 A new nomination: <b>{name}</b> — {unit}, for {title}.",
    "nom.desk.resubmitted": "📥 A nomination sent again after changes: <b>{name}</b> — {unit}, for {title}.",
    "nom.desk.queue": "Nominations waiting ({count}):",
    "nom.desk.empty": "No nomination is waiting.",
    "nom.desk.card": (
        "<b>{name}</b> — {unit}\nTitle: {title}\nPosition: {position}\nYears of teaching: {years}\n"
        "Summary: {summary}\nContact: {contact}\nThe school's vote: {vote}\nEvidence: {files} file(s)\n"
        "History: {history}"
    ),
    "nom.vote.paper": "minutes uploaded",
    "nom.vote.meeting": "a ballot in the bot",
    "nom.ask_return_reason": "Why is it returned (the school will fix and resend it)?",
    "nom.ask_reject_reason": "Why is it rejected?",
    "nom.decided.accept": "Accepted the nomination of {name}. The school has been told.",
    "nom.decided.return": "Returned the nomination of {name} for changes. The school has been told.",
    "nom.decided.reject": "Rejected the nomination of {name}. The school has been told.",
    "nom.school.returned": "↩ The nomination of <b>{name}</b> for {title} was returned for changes.\nReason: {reason}",
    "nom.school.rejected": "✗ The nomination of <b>{name}</b> for {title} was rejected.\nReason: {reason}",
    "nom.school.accepted": "✓ The nomination of <b>{name}</b> for {title} was accepted.",
    "nom.fix.ask": (
        "The nomination of <b>{name}</b> was returned: {reason}\n"
        "Type the corrected summary of achievements in full (or send new minutes):"
    ),
    "nom.fix.sent": "Sent the nomination of <b>{name}</b> again to the emulation desk.",
    "nom.history.submit": "sent",
    "nom.history.resubmit": "sent again",
    "nom.history.return": "returned",
    "nom.history.accept": "accepted",
    "nom.history.reject": "rejected",
    "nom.export.none": "No accepted nomination to export yet.",
    "nom.export.sent": "Exported {count} nomination(s): the submission, the list, the summaries and the minutes.",
}

VI.update(
    {
        "council.notice": (
            "🗳 Hội đồng Thi đua – Khen thưởng bỏ phiếu kín: <b>{title}</b>\nỨng viên: {names}\n"
            "Cần từ 90% tổng số thành viên Hội đồng đồng ý."
        ),
        "council.notice_absentee": (
            "🗳 Phiếu bầu vắng mặt — Hội đồng Thi đua – Khen thưởng bỏ phiếu kín: <b>{title}</b>\n"
            "Ứng viên: {names}\nCần từ 90% tổng số thành viên Hội đồng đồng ý."
        ),
        "council.btn.vote": "Bỏ phiếu",
        "council.btn.agree": "Đồng ý",
        "council.btn.disagree": "Không đồng ý",
        "council.btn.abstain": "Không biểu quyết",
        "council.btn.send": "✅ Gửi phiếu",
        "council.btn.redo": "↺ Bầu lại từ đầu",
        "council.btn.close": "🔒 Kết thúc và kiểm phiếu: {title}",
        "council.candidate": "Phiếu kín ({n}/{count}): <b>{name}</b>",
        "council.review": "Phiếu của bạn:\n{lines}\nGửi phiếu? Sau khi gửi không sửa được.",
        "council.choice.agree": "đồng ý",
        "council.choice.disagree": "không đồng ý",
        "council.choice.abstain": "không biểu quyết",
        "council.cast.recorded": "Đã ghi nhận phiếu kín. Mã kiểm tra của bạn: <b>{code}</b>",
        "council.cast.already": "Bạn đã bỏ phiếu rồi.",
        "council.cast.not_entitled": "Bạn không có tên trong danh sách bỏ phiếu này.",
        "council.cast.closed": "Cuộc bỏ phiếu đã kết thúc.",
        "council.cast.unknown": "Không tìm thấy cuộc bỏ phiếu này.",
        "council.cast.invalid": "Phiếu không hợp lệ. Xin bầu lại từ đầu.",
        "council.open_list": "Cuộc bỏ phiếu của Hội đồng đang mở:",
        "council.none_open": "Không có cuộc bỏ phiếu nào của Hội đồng đang mở.",
        "council.result": (
            "Kết quả bỏ phiếu kín <b>{title}</b>: {voted}/{members} thành viên đã bỏ phiếu "
            "(vắng mặt bỏ phiếu: {absentee}); cần {needed}/{members} đồng ý.\n{lines}"
        ),
        "council.result.line": "{mark} {name}: {agree} đồng ý ({share})",
        "council.refused.no_members": "Chưa có thành viên Hội đồng nào trong danh sách.",
        "council.refused.no_candidates": "Chưa chọn hồ sơ nào để bỏ phiếu.",
        "council.refused.unknown": "Không tìm thấy cuộc bỏ phiếu này.",
        "council.refused.closed": "Cuộc bỏ phiếu này đã kết thúc.",
    }
)
EN.update(
    {
        "council.notice": (
            "🗳 The emulation council's secret ballot: <b>{title}</b>\nCandidates: {names}\n"
            "At least 90% of all council members must agree."
        ),
        "council.notice_absentee": (
            "🗳 Absentee ballot — the emulation council's secret ballot: <b>{title}</b>\n"
            "Candidates: {names}\nAt least 90% of all council members must agree."
        ),
        "council.btn.vote": "Vote",
        "council.btn.agree": "Agree",
        "council.btn.disagree": "Disagree",
        "council.btn.abstain": "Abstain",
        "council.btn.send": "✅ Cast the ballot",
        "council.btn.redo": "↺ Start again",
        "council.btn.close": "🔒 Close and count: {title}",
        "council.candidate": "Secret ballot ({n}/{count}): <b>{name}</b>",
        "council.review": "Your ballot:\n{lines}\nCast it? It cannot be changed afterwards.",
        "council.choice.agree": "agree",
        "council.choice.disagree": "disagree",
        "council.choice.abstain": "abstain",
        "council.cast.recorded": "Your secret ballot is recorded. Your tracker: <b>{code}</b>",
        "council.cast.already": "You have already voted.",
        "council.cast.not_entitled": "You are not on this ballot's list of voters.",
        "council.cast.closed": "This ballot is closed.",
        "council.cast.unknown": "No such ballot.",
        "council.cast.invalid": "The ballot is not valid. Please start again.",
        "council.open_list": "The council's open ballots:",
        "council.none_open": "The council has no open ballot.",
        "council.result": (
            "Result of the secret ballot <b>{title}</b>: {voted}/{members} members voted "
            "(absentee: {absentee}); {needed}/{members} agree needed.\n{lines}"
        ),
        "council.result.line": "{mark} {name}: {agree} agree ({share})",
        "council.refused.no_members": "The council has no members in the roster yet.",
        "council.refused.no_candidates": "No nomination was chosen for the ballot.",
        "council.refused.unknown": "No such ballot.",
        "council.refused.closed": "This ballot is already closed.",
    }
)

VI.update(
    {
        "roster.appoint.done": "Đã giao vai trò cho năm học {year}.",
        "roster.appoint.already": "Người này đã có vai trò đó trong năm học {year}.",
        "roster.appoint.unknown_account": (
            "Không tìm thấy tài khoản {account}: người đó cần nhắn cho bot một lần trước."
        ),
        "roster.appoint.no_roster": "Chưa có danh sách đơn vị của năm học {year}: nhập danh sách trước.",
    }
)
EN.update(
    {
        "roster.appoint.done": "Role given for the school year {year}.",
        "roster.appoint.already": "This person already holds that role in {year}.",
        "roster.appoint.unknown_account": "No account {account}: the person must write to the bot once first.",
        "roster.appoint.no_roster": "No roster for the school year {year} yet: import it first.",
    }
)

VI.update(
    {
        "council.verify.bad": "Mã kiểm tra gồm 10 chữ số hệ 16, ví dụ 3FA9C-01B7E.",
        "council.verify.none": "Không thấy mã {code} trong các cuộc bỏ phiếu đã kiểm của Hội đồng.",
        "council.verify.found": (
            "✅ Mã {code} có trong danh sách đã kiểm của «{title}» ({counted} phiếu; chuỗi {head}…)."
        ),
    }
)
EN.update(
    {
        "council.verify.bad": "A tracker code is 10 hex digits, e.g. 3FA9C-01B7E.",
        "council.verify.none": "The code {code} is in no counted council ballot.",
        "council.verify.found": "✅ The code {code} is in the counted list of “{title}” ({counted} ballots; chain {head}…).",
    }
)

VI.update(
    {
        "council.btn.open": "🗳 Mở bỏ phiếu kín ({count} hồ sơ)",
        "council.waiting": "Hồ sơ Chiến sĩ thi đua cấp thành phố chờ Hội đồng bỏ phiếu: {names}",
        "council.ask_absent": (
            "Hội đồng có {count} thành viên: {names}.\nGõ tên các thành viên vắng mặt (mỗi dòng một người; "
            "họ bỏ phiếu vắng mặt), hoặc «không» nếu đủ."
        ),
        "council.not_member": "«{name}» không phải thành viên Hội đồng. Xin gõ lại.",
        "council.opened": (
            "Đã mở bỏ phiếu kín về {count} hồ sơ: {members} thành viên nhận phiếu, {absent} bỏ phiếu vắng mặt. "
            "Kết thúc bằng /hoidong."
        ),
    }
)
EN.update(
    {
        "council.btn.open": "🗳 Open a secret ballot ({count} nominations)",
        "council.waiting": "Nominations for the city title waiting for the council: {names}",
        "council.ask_absent": (
            "The council has {count} members: {names}.\nType the absent members (one a line; they vote by "
            "absentee ballot), or “none”."
        ),
        "council.not_member": "“{name}” is not a council member. Please type again.",
        "council.opened": (
            "Opened the secret ballot on {count} nominations: {members} members got a ballot, {absent} absentee. "
            "Close it with /hoidong."
        ),
    }
)

VI.update(
    {
        "nom.export.choose": "Chọn hồ sơ đưa vào bộ hồ sơ gửi Sở ({count} hồ sơ đã chấp nhận; bấm để bỏ chọn):",
        "nom.btn.export_go": "📄 Xuất {count} hồ sơ đã chọn",
        "nom.export.none_picked": "Chưa chọn hồ sơ nào.",
    }
)
EN.update(
    {
        "nom.export.choose": "Choose the nominations for the dossier ({count} accepted; press to untick):",
        "nom.btn.export_go": "📄 Export the {count} chosen",
        "nom.export.none_picked": "No nomination is chosen.",
    }
)
