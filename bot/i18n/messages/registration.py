"""Registration, the pact, criteria, the head's overview, deadlines and eligibility (issue 4)."""

VI: dict[str, str] = {
    "cmd.dangky": "Đăng ký thi đua của đơn vị",
    "cmd.kyketgiaouoc": "Ký kết giao ước thi đua",
    "cmd.tieuchi": "Tiêu chí, thang điểm của khối",
    "cmd.tinhhinh": "Tình hình đăng ký, ký kết, chấm điểm",
    "cmd.hanchot": "Đặt hạn chót (đăng ký, ký kết, chấm điểm)",
    "cmd.mohan": "Mở lại sau hạn chót (cả khối, hoặc gia hạn cho một đơn vị)",
    "cmd.xetthidua": "Đánh dấu đơn vị chưa xét / không xét",
    "plain": "{text}",
    "task.register": "đăng ký thi đua",
    "task.sign": "ký kết giao ước",
    "task.score": "tự chấm điểm",
    # registration
    "reg.not_rep": "Chỉ đại diện của một đơn vị thành viên mới đăng ký, ký kết hay chấm điểm được.",
    "reg.deadline_passed": (
        "Đã quá hạn chót ({deadline}). Không ghi nhận thay đổi. Nếu cần, hãy đề nghị Khối trưởng mở lại."
    ),
    "reg.no_draft": "Chưa có bản đăng ký đang soạn. Gõ /dangky để bắt đầu.",
    "reg.intro": "<b>Đăng ký thi đua năm học {year}</b>\nĐơn vị: <b>{unit}</b> ({bloc})",
    "reg.amending": "Đơn vị đã đăng ký (lần {version}). Bạn đang <b>sửa</b> bản đăng ký; bản cũ giữ nguyên cho đến khi bạn xác nhận.",
    "reg.ask_title": "Bước 1/5. Chọn <b>danh hiệu tập thể</b> đơn vị phấn đấu:",
    "reg.bad_title": "Lựa chọn này không có. Hãy bấm một trong các nút.",
    "reg.title_set": "Danh hiệu: <b>{title}</b>",
    "reg.ask_targets": (
        "Bước 2/5. Gõ từng <b>chỉ tiêu thi đua</b>, mỗi tin nhắn một chỉ tiêu (đã có {count}). "
        "Xong thì bấm «Xong»."
    ),
    "reg.bad_target": "Chỉ tiêu cần từ 3 đến 1000 ký tự. Xin gõ lại.",
    "reg.target_added": "Đã ghi chỉ tiêu thứ {count}. Gõ chỉ tiêu tiếp theo, hoặc bấm «Xong».",
    "reg.too_many": "Danh sách đã quá dài (tối đa 200 mục).",
    "reg.cleared": "Đã xóa danh sách.",
    "reg.ask_people": (
        "Bước 3/5. <b>Danh sách cá nhân</b> và danh hiệu đăng ký (đã có {count} người).\n"
        "Gõ mỗi dòng một người: <code>Họ và tên; Chức vụ; Danh hiệu</code>, "
        "hoặc gửi tệp XLSX/CSV theo mẫu dưới đây. Danh hiệu: Lao động tiên tiến, Chiến sĩ thi đua cơ sở, "
        "Chiến sĩ thi đua cấp thành phố, Bằng khen. Xong thì bấm «Xong»."
    ),
    "reg.template_caption": "Mẫu danh sách cá nhân (cột: Họ và tên, Chức vụ, Danh hiệu đăng ký).",
    "reg.people.refused": "Không ghi danh sách này vì có lỗi:",
    "reg.people.bad_line": "Dòng {line}: «{value}» cần dạng «Họ và tên; Chức vụ; Danh hiệu».",
    "reg.people.bad_name": "Dòng {line}: họ và tên «{value}» không hợp lệ.",
    "reg.people.bad_title": "Dòng {line}: không có danh hiệu «{value}» (chọn: {titles}).",
    "reg.people.empty": "Danh sách không có người nào.",
    "reg.people.added": "Đã ghi {added} người (tổng {count}). Gửi thêm, hoặc bấm «Xong».",
    "reg.file.bad_type": "Tệp «{file}» không đúng loại. Chỉ nhận tệp .xlsx hoặc .csv.",
    "reg.file.too_big": "Tệp «{file}» nặng {size} MB, vượt quá giới hạn 20 MB.",
    "reg.file.unreadable": "Không đọc được tệp «{file}» ({detail}). Hãy lưu lại bằng Excel rồi gửi lại.",
    "reg.file.missing_column": "Tệp thiếu cột «{column}» (các cột đã có: {found}).",
    "reg.ask_model": (
        "Bước 4/5. Danh hiệu «{title}» cần <b>Mô hình mới, cách làm hay</b>. "
        "Gõ tên và tóm tắt mô hình của đơn vị:"
    ),
    "reg.model_current": "\nĐang có: {model}",
    "reg.bad_model": "Mô hình cần từ 3 đến 2000 ký tự. Xin gõ lại.",
    "reg.ask_projects": (
        "Bước 5/5. <b>Công trình / chuyên đề</b> đơn vị sẽ báo cáo (đã có {count}). "
        "Mỗi tin nhắn một mục; bắt đầu bằng «Chuyên đề:» nếu là chuyên đề. Không có thì bấm «Xong»."
    ),
    "reg.bad_project": "Tên công trình / chuyên đề cần từ 3 đến 1000 ký tự. Xin gõ lại.",
    "reg.project_added": "Đã ghi mục thứ {count}. Gõ tiếp, hoặc bấm «Xong».",
    "reg.kind.project": "Công trình",
    "reg.kind.topic": "Chuyên đề",
    "reg.confirm_title": "<b>Xin kiểm tra bản đăng ký rồi bấm «Xác nhận»:</b>",
    "reg.summary.title": "Danh hiệu tập thể: <b>{title}</b>",
    "reg.summary.targets": "Chỉ tiêu ({count}):",
    "reg.summary.people": "Cá nhân ({count}):",
    "reg.summary.person": "{name} — {job} — {title}",
    "reg.summary.model": "Mô hình mới, cách làm hay: {model}",
    "reg.summary.projects": "Công trình, chuyên đề ({count}):",
    "reg.missing.title": "Chưa chọn danh hiệu tập thể.",
    "reg.missing.targets": "Cần ít nhất một chỉ tiêu.",
    "reg.missing.people": "Cần ít nhất một cá nhân trong danh sách.",
    "reg.missing.model": "Danh hiệu «{title}» cần Mô hình mới, cách làm hay.",
    "reg.incomplete": "Bản đăng ký còn thiếu {count} mục; chưa ghi nhận. Gõ /dangky để bổ sung.",
    "reg.btn.done": "Xong ▶",
    "reg.btn.clear": "Xóa hết",
    "reg.btn.keep": "Giữ nguyên ▶",
    "reg.btn.confirm": "✅ Xác nhận",
    "reg.btn.cancel": "Hủy",
    "reg.saved": "Đã lưu bản đăng ký thi đua của <b>{unit}</b> (lần {version}, lúc {at}). Có thể sửa bằng /dangky cho đến hạn chót.",
    "reg.cancelled": "Đã dừng. Bản đăng ký đã xác nhận trước đó (nếu có) giữ nguyên.",
    "reg.bad_days": "Số ngày mở lại phải từ 1 đến 90.",
    "reg.no_deadline": "Chưa đặt hạn chót cho việc này.",
    # criteria
    "crit.none": "Khối chưa công bố tiêu chí, thang điểm.",
    "crit.header": "<b>Tiêu chí, thang điểm</b> (phiên bản {version}, tổng {total} điểm)",
    "crit.content": "<b>{code}. {title}</b> — {total} điểm",
    "crit.criterion": "  {code} {title} — tối đa {max}",
    "crit.step": " (bước {step})",
    "crit.added": " [khối bổ sung]",
    "crit.ask_file": (
        "Gửi tệp XLSX/CSV thang điểm theo mẫu (cột Mã, Nội dung / Tiêu chí, Điểm tối đa, Bước điểm, "
        "Bổ sung của khối, Thuộc nội dung, Số tiêu chí Sở quy định), hoặc dán bảng vào tin nhắn, "
        "mỗi dòng một hàng, các ô cách nhau bởi dấu «;». /huy để dừng."
    ),
    "crit.template": "Mẫu thang điểm.",
    "crit.problem": "{vi}",
    "crit.empty": "Thang điểm cần ít nhất một nội dung và một tiêu chí.",
    "crit.refused_file": "<b>Thang điểm bị từ chối, không lưu gì:</b>",
    "crit.refused": "Thang điểm có {count} lỗi; chưa công bố.",
    "crit.in_use": "Đã có đơn vị gửi bảng điểm theo thang điểm hiện hành; không thể thay thang điểm.",
    "crit.published": "Đã công bố thang điểm (phiên bản {version}). Các đơn vị ký giao ước bằng /kyketgiaouoc.",
    "crit.cancelled": "Đã dừng. Thang điểm hiện hành giữ nguyên.",
    # the pact
    "pact.no_scale": "Khối chưa công bố tiêu chí, thang điểm.",
    "pact.offer": "<b>Giao ước thi đua năm học {year}</b> — {bloc}\nĐơn vị: <b>{unit}</b>\nĐơn vị cam kết thực hiện các nội dung, tiêu chí và thang điểm sau:",
    "pact.btn.sign": "✍ Đồng ý và ký giao ước",
    "pact.signed": "Đã ghi nhận: <b>{unit}</b> ký giao ước thi đua lúc {at}.",
    "pact.already": "Đơn vị đã ký giao ước lúc {at}.",
    "pact.stale": "Thang điểm đã thay đổi hoặc không thuộc khối của bạn. Gõ /kyketgiaouoc để xem bản hiện hành.",
    # the head's overview
    "status.title": "<b>Tình hình {bloc}</b> — năm học {year}",
    "status.register": "Đăng ký thi đua: {done}/{total}",
    "status.sign": "Ký giao ước: {done}/{total}",
    "status.score": "Gửi bảng tự chấm: {done}/{total}",
    "status.missing": "  Chưa: {names}",
    "status.btn.register": "🔔 Nhắc {count} đơn vị chưa đăng ký",
    "status.btn.sign": "🔔 Nhắc {count} đơn vị chưa ký",
    "status.btn.score": "🔔 Nhắc {count} đơn vị chưa chấm",
    "status.reminded": "Đã nhắc {count} người.",
    "status.eligibility": "<b>Xét thi đua:</b>",
    "status.elig_line": "  {n}. {unit}: {status} ({reasons})",
    "status.deadlines": "<b>Hạn chót:</b>",
    "status.deadline": "  Hạn {task}: {at}",
    "status.reopened": "; mở lại cho cả khối đến {at}",
    "status.extension": "    ↳ {n}. {unit}: gia hạn riêng đến {at}",
    "remind.register": "🔔 Nhắc việc: <b>{unit}</b> chưa đăng ký thi đua năm học này.",
    "remind.sign": "🔔 Nhắc việc: <b>{unit}</b> chưa ký kết giao ước thi đua.",
    "remind.score": "🔔 Nhắc việc: <b>{unit}</b> chưa gửi bảng tự chấm điểm.",
    "remind.btn.register": "Đăng ký ngay",
    "remind.btn.sign": "Ký giao ước",
    "remind.btn.score": "Chấm điểm",
    # deadlines
    "deadline.usage": "Cách dùng: /hanchot dangky|kyket|chamdiem dd/mm/yyyy",
    "deadline.reopen_usage": (
        "Cách dùng: /mohan dangky|kyket|chamdiem [số ngày, mặc định 7] — mở lại cho cả khối.\n"
        "Gia hạn riêng cho một đơn vị: /mohan dangky|kyket|chamdiem &lt;số thứ tự đơn vị&gt; "
        "&lt;số ngày&gt; [lý do], số thứ tự như /xetthidua liệt kê; "
        "viết #5 (không kèm số ngày) để gia hạn 7 ngày cho đơn vị số 5."
    ),
    "deadline.set": "Đã đặt hạn chót {task}: {at}.",
    "deadline.reopened": "Đã mở lại việc {task} đến {at}.",
    "deadline.unknown_unit": (
        "Không có đơn vị số {number} trong khối (khối có {count} đơn vị; gõ /xetthidua để xem số thứ tự). "
        "Không ghi nhận gì."
    ),
    "deadline.extended": (
        "Đã gia hạn việc {task} riêng cho <b>{n}. {unit}</b> đến {at}. "
        "Các đơn vị khác vẫn theo hạn chót chung."
    ),
    "deadline.extended_told": "Đã báo cho {count} người đại diện của đơn vị.",
    "deadline.extended_untold": (
        "Chưa báo được cho đại diện của đơn vị (chưa kết nối với bot hoặc đã chặn bot): xin báo trực tiếp. "
        "Việc gia hạn vẫn được lưu."
    ),
    "deadline.extended_notice": "⏳ Khối trưởng đã gia hạn việc <b>{task}</b> cho <b>{unit}</b> đến <b>{at}</b>.",
    # eligibility
    "elig.considered": "được xét",
    "elig.not_considered": "không xét",
    "elig.deferred": "chưa xét",
    "elig.reason.not_registered": "chưa đăng ký thi đua",
    "elig.reason.not_signed": "chưa ký giao ước",
    "elig.usage": (
        "Cách dùng: /xetthidua &lt;số thứ tự của đơn vị&gt; chuaxet|khongxet|xet &lt;lý do&gt;\n"
        "chuaxet: đang thanh tra, khiếu nại chưa kết luận; khongxet: tổ chức đảng không đạt "
        "«Hoàn thành tốt nhiệm vụ»; xet: bỏ đánh dấu."
    ),
    "elig.need_reason": "Cần ghi lý do.",
    "elig.unknown_unit": "Không có đơn vị này trong khối.",
    "elig.set": "Đã ghi: <b>{unit}</b> — {status}.",
    "elig.units": "<b>Các đơn vị của {bloc}</b> (số thứ tự dùng cho /xetthidua và /mohan):",
    "elig.unit_line": "  {n}. {unit} — {status}",
    "elig.unit_reasons": " ({reasons})",
    # where a person cannot send a document (Zalo): pasted text instead
    "reg.ask_people.paste": (
        "Bước 3/5. <b>Danh sách cá nhân</b> và danh hiệu đăng ký (đã có {count} người).\n"
        "Gõ hoặc dán mỗi dòng một người: <code>Họ và tên; Chức vụ; Danh hiệu</code>. "
        "Có thể điền mẫu dưới đây bằng Excel rồi chép các dòng dán vào tin nhắn. Danh hiệu: Lao động tiên tiến, "
        "Chiến sĩ thi đua cơ sở, Chiến sĩ thi đua cấp thành phố, Bằng khen. Xong thì chọn «Xong»."
    ),
    "reg.list_expected": "Ở bước này cần danh sách gõ trong tin nhắn, hoặc tệp XLSX/CSV. Không ghi nhận gì.",
    "reg.list_expected.paste": "Ở bước này cần danh sách gõ hoặc dán vào tin nhắn (không nhận ảnh). Không ghi nhận gì.",
    "crit.ask_paste": (
        "Dán bảng thang điểm vào tin nhắn, mỗi dòng một hàng, các ô cách nhau bởi dấu «;» "
        "(hoặc chép thẳng các dòng từ Excel). Cột: Mã; Nội dung / Tiêu chí; Điểm tối đa; Bước điểm; "
        "Bổ sung của khối; Thuộc nội dung; Số tiêu chí Sở quy định — như mẫu dưới đây. /huy để dừng."
    ),
    "crit.table_expected": "Ở bước này cần bảng thang điểm dạng chữ (dán vào tin nhắn). Không ghi nhận gì.",
    "deadline.extended_pending": (
        "Đang gửi thông báo cho {count} người đại diện của đơn vị (chưa gửi xong; bot sẽ gửi tiếp)."
    ),
}

EN: dict[str, str] = {
    "cmd.dangky": "Your unit's emulation registration",
    "cmd.kyketgiaouoc": "Sign the emulation pact",
    "cmd.tieuchi": "The bloc's criteria and point scale",
    "cmd.tinhhinh": "Who has registered, signed and scored",
    "cmd.hanchot": "Set a deadline (registration, pact, scoring)",
    "cmd.mohan": "Reopen after a deadline (the bloc, or one unit)",
    "cmd.xetthidua": "Mark a unit deferred / not considered",
    "plain": "{text}",
    "task.register": "registration",
    "task.sign": "the pact",
    "task.score": "self-scoring",
    "reg.not_rep": "Only a member unit's representative can register, sign or score.",
    "reg.deadline_passed": (
        "The deadline has passed ({deadline}). Nothing was changed. Ask the bloc head to reopen it if needed."
    ),
    "reg.no_draft": "There is no registration being drafted. Type /register to start.",
    "reg.intro": "<b>Emulation registration, school year {year}</b>\nUnit: <b>{unit}</b> ({bloc})",
    "reg.amending": "The unit has registered (version {version}). You are <b>amending</b> it; the old one stays until you confirm.",
    "reg.ask_title": "Step 1/5. Choose the <b>collective title</b> the unit aims for:",
    "reg.bad_title": "There is no such choice. Please tap one of the buttons.",
    "reg.title_set": "Title: <b>{title}</b>",
    "reg.ask_targets": (
        "Step 2/5. Type each <b>target</b>, one per message ({count} so far). Tap «Done» when finished."
    ),
    "reg.bad_target": "A target has 3 to 1000 characters. Please type it again.",
    "reg.target_added": "Target {count} recorded. Type the next one, or tap «Done».",
    "reg.too_many": "The list is too long (at most 200 items).",
    "reg.cleared": "List cleared.",
    "reg.ask_people": (
        "Step 3/5. <b>People</b> and the title each aims for ({count} so far).\n"
        "Type one per line: <code>Full name; Job; Title</code>, or send an XLSX/CSV file like the template "
        "below. Titles: Lao động tiên tiến, Chiến sĩ thi đua cơ sở, Chiến sĩ thi đua cấp thành phố, Bằng khen. "
        "Tap «Done» when finished."
    ),
    "reg.template_caption": "People list template (columns: Họ và tên, Chức vụ, Danh hiệu đăng ký).",
    "reg.people.refused": "This list was not recorded because of errors:",
    "reg.people.bad_line": "Line {line}: «{value}» should read «Full name; Job; Title».",
    "reg.people.bad_name": "Line {line}: the full name «{value}» is not valid.",
    "reg.people.bad_title": "Line {line}: there is no title «{value}» (choose: {titles}).",
    "reg.people.empty": "The list has nobody in it.",
    "reg.people.added": "{added} people recorded ({count} in all). Send more, or tap «Done».",
    "reg.file.bad_type": "The file «{file}» is of the wrong type. Only .xlsx or .csv files are accepted.",
    "reg.file.too_big": "The file «{file}» is {size} MB, above the 20 MB limit.",
    "reg.file.unreadable": "Could not read «{file}» ({detail}). Save it again in Excel and resend.",
    "reg.file.missing_column": "The file has no «{column}» column (columns found: {found}).",
    "reg.ask_model": (
        "Step 4/5. The title «{title}» requires a <b>new model or good practice</b>. "
        "Type its name and a short summary:"
    ),
    "reg.model_current": "\nCurrently: {model}",
    "reg.bad_model": "The model needs 3 to 2000 characters. Please type it again.",
    "reg.ask_projects": (
        "Step 5/5. <b>Projects / topics</b> the unit will present ({count} so far). One per message; "
        "start with «Chuyên đề:» for a topic. Tap «Done» if there are none."
    ),
    "reg.bad_project": "A project or topic needs 3 to 1000 characters. Please type it again.",
    "reg.project_added": "Item {count} recorded. Type the next, or tap «Done».",
    "reg.kind.project": "Project",
    "reg.kind.topic": "Topic",
    "reg.confirm_title": "<b>Please check the registration, then tap «Confirm»:</b>",
    "reg.summary.title": "Collective title: <b>{title}</b>",
    "reg.summary.targets": "Targets ({count}):",
    "reg.summary.people": "People ({count}):",
    "reg.summary.person": "{name} — {job} — {title}",
    "reg.summary.model": "New model, good practice: {model}",
    "reg.summary.projects": "Projects and topics ({count}):",
    "reg.missing.title": "No collective title chosen.",
    "reg.missing.targets": "At least one target is needed.",
    "reg.missing.people": "At least one person is needed.",
    "reg.missing.model": "The title «{title}» requires a new model or good practice.",
    "reg.incomplete": "The registration lacks {count} items; not recorded. Type /register to complete it.",
    "reg.btn.done": "Done ▶",
    "reg.btn.clear": "Clear all",
    "reg.btn.keep": "Keep ▶",
    "reg.btn.confirm": "✅ Confirm",
    "reg.btn.cancel": "Cancel",
    "reg.saved": "The registration of <b>{unit}</b> is saved (version {version}, at {at}). You can amend it with /register until the deadline.",
    "reg.cancelled": "Stopped. A registration confirmed before (if any) stays as it was.",
    "reg.bad_days": "Reopen for 1 to 90 days.",
    "reg.no_deadline": "No deadline is set for this task.",
    "crit.none": "The bloc has not published its criteria and point scale yet.",
    "crit.header": "<b>Criteria and point scale</b> (version {version}, {total} points in all)",
    "crit.content": "<b>{code}. {title}</b> — {total} points",
    "crit.criterion": "  {code} {title} — max {max}",
    "crit.step": " (step {step})",
    "crit.added": " [added by the bloc]",
    "crit.ask_file": (
        "Send the scale as an XLSX/CSV file like the template (columns Mã, Nội dung / Tiêu chí, Điểm tối đa, "
        "Bước điểm, Bổ sung của khối, Thuộc nội dung, Số tiêu chí Sở quy định), or paste the table, one row "
        "per line, cells separated by «;». /cancel to stop."
    ),
    "crit.template": "Point scale template.",
    "crit.problem": "{vi}",
    "crit.empty": "A scale needs at least one content and one criterion.",
    "crit.refused_file": "<b>The scale was refused; nothing was saved:</b>",
    "crit.refused": "The scale has {count} errors; it was not published.",
    "crit.in_use": "Units have already submitted sheets on the current scale; it cannot be replaced.",
    "crit.published": "The scale is published (version {version}). Units sign the pact with /sign.",
    "crit.cancelled": "Stopped. The current scale stays.",
    "pact.no_scale": "The bloc has not published its criteria and point scale yet.",
    "pact.offer": "<b>Emulation pact, school year {year}</b> — {bloc}\nUnit: <b>{unit}</b>\nThe unit commits to the following contents, criteria and scale:",
    "pact.btn.sign": "✍ Agree and sign the pact",
    "pact.signed": "Recorded: <b>{unit}</b> signed the pact at {at}.",
    "pact.already": "The unit signed the pact at {at}.",
    "pact.stale": "The scale has changed or is not your bloc's. Type /sign to see the current one.",
    "status.title": "<b>Progress of {bloc}</b> — school year {year}",
    "status.register": "Registered: {done}/{total}",
    "status.sign": "Signed the pact: {done}/{total}",
    "status.score": "Sent their self-scores: {done}/{total}",
    "status.missing": "  Not yet: {names}",
    "status.btn.register": "🔔 Remind {count} units to register",
    "status.btn.sign": "🔔 Remind {count} units to sign",
    "status.btn.score": "🔔 Remind {count} units to score",
    "status.reminded": "{count} people reminded.",
    "status.eligibility": "<b>Eligibility:</b>",
    "status.elig_line": "  {n}. {unit}: {status} ({reasons})",
    "status.deadlines": "<b>Deadlines:</b>",
    "status.deadline": "  {task}: {at}",
    "status.reopened": "; reopened for the bloc until {at}",
    "status.extension": "    ↳ {n}. {unit}: extended until {at}",
    "remind.register": "🔔 Reminder: <b>{unit}</b> has not registered for this school year.",
    "remind.sign": "🔔 Reminder: <b>{unit}</b> has not signed the emulation pact.",
    "remind.score": "🔔 Reminder: <b>{unit}</b> has not sent its self-scores.",
    "remind.btn.register": "Register now",
    "remind.btn.sign": "Sign the pact",
    "remind.btn.score": "Score",
    "deadline.usage": "Usage: /deadline dangky|kyket|chamdiem dd/mm/yyyy",
    "deadline.reopen_usage": (
        "Usage: /reopen dangky|kyket|chamdiem [days, default 7] — reopen for the whole bloc.\n"
        "More time for one unit: /reopen dangky|kyket|chamdiem &lt;the unit's number&gt; &lt;days&gt; "
        "[reason], numbered as /eligibility lists the units; write #5 (with no days) to give unit 5 "
        "7 days."
    ),
    "deadline.set": "Deadline for {task} set: {at}.",
    "deadline.reopened": "{task} reopened until {at}.",
    "deadline.unknown_unit": (
        "There is no unit {number} in the bloc (it has {count} units; /eligibility lists their numbers). "
        "Nothing was recorded."
    ),
    "deadline.extended": (
        "Extended {task} for <b>{n}. {unit}</b> only, until {at}. The other units keep the bloc's deadline."
    ),
    "deadline.extended_told": "Told {count} representative(s) of the unit.",
    "deadline.extended_untold": (
        "The unit's representatives could not be told (not connected to the bot, or they blocked it): "
        "please tell them yourself. The extension is saved."
    ),
    "deadline.extended_notice": "⏳ The bloc head gave <b>{unit}</b> until <b>{at}</b> for <b>{task}</b>.",
    "elig.considered": "considered",
    "elig.not_considered": "not considered",
    "elig.deferred": "deferred",
    "elig.reason.not_registered": "not registered",
    "elig.reason.not_signed": "pact not signed",
    "elig.usage": (
        "Usage: /eligibility &lt;the unit's number&gt; chuaxet|khongxet|xet &lt;reason&gt;\n"
        "chuaxet: an inspection or complaint is pending; khongxet: the party organisation was rated below "
        "«Hoàn thành tốt nhiệm vụ»; xet: clear the mark."
    ),
    "elig.need_reason": "A reason is required.",
    "elig.unknown_unit": "There is no such unit in the bloc.",
    "elig.set": "Recorded: <b>{unit}</b> — {status}.",
    "elig.units": "<b>The units of {bloc}</b> (the numbers /eligibility and /reopen take):",
    "elig.unit_line": "  {n}. {unit} — {status}",
    "elig.unit_reasons": " ({reasons})",
    "reg.ask_people.paste": (
        "Step 3/5. <b>People</b> and the title each aims for ({count} so far).\n"
        "Type or paste one per line: <code>Full name; Job; Title</code>. You may fill in the template below "
        "in Excel and paste its rows. Titles: Lao động tiên tiến, Chiến sĩ thi đua cơ sở, "
        "Chiến sĩ thi đua cấp thành phố, Bằng khen. Choose «Done» when finished."
    ),
    "reg.list_expected": "This step needs the list typed in a message, or an XLSX/CSV file. Nothing was recorded.",
    "reg.list_expected.paste": "This step needs the list typed or pasted in a message (not a picture). Nothing was recorded.",
    "crit.ask_paste": (
        "Paste the scale in a message, one row per line, cells separated by «;» (or rows copied from Excel). "
        "Columns: Mã; Nội dung / Tiêu chí; Điểm tối đa; Bước điểm; Bổ sung của khối; Thuộc nội dung; "
        "Số tiêu chí Sở quy định — as in the template below. /cancel to stop."
    ),
    "crit.table_expected": "This step needs the scale as text (pasted in a message). Nothing was recorded.",
    "deadline.extended_pending": (
        "Telling {count} representative(s) of the unit (not all sent yet; the bot keeps trying)."
    ),
}
