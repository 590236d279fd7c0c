# Ягона интерфейси матнлари — ўзбек тили (кирилл ёзуви).
# Хабар идентификаторлари тўртала файлда бир хил; `cargo test -p yagona-i18n` ҳар бир файлда барча идентификаторлар борлигини текширади.

## Умумий қисм
skip-to-content = Асосий мазмунга ўтиш
demo-tag = Демо
demo-banner = Бу — Ягона порталининг намойиш версияси. Тизимга кириш учун ўйлаб топилган шахслардан фойдаланилади; бу ерда бажарган ҳеч бир амалингиз ҳақиқий идорага етиб бормайди.
demo-banner-label = Намойиш ҳақида огоҳлантириш
language-switcher = Тил
nav-label = Сайт бўйлаб навигация
nav-menu = Меню
nav-services = Хизматлар
nav-my-applications = Аризаларим
nav-staff = Кўриб чиқиладиган аризалар
nav-admin = Реестр
nav-sign-in = Кириш
nav-sign-out = Чиқиш
footer-heading = Фойдали ҳаволалар
footer-api = Дастурчилар учун API
footer-licences = Лицензиялар
footer-text = Ягона — давлат хизматлари учун очиқ кодли платформа.
back = Орқага
go-home = Бош саҳифага ўтиш
optional = (ихтиёрий)
warning = Диққат
answer-yes = Ҳа
answer-no = Йўқ

## Бош саҳифа ва каталог
home-title = Давлат хизматлари онлайн
home-heading = Давлат хизматлари онлайн
home-lead = { $count ->
    [one] Порталдаги { $count } та давлат хизматини топинг, онлайн ариза юборинг ва аризангизни натижани олгунингизча кузатиб боринг.
   *[other] Порталдаги { $count } та давлат хизматидан кераклисини топинг, онлайн ариза юборинг ва аризангизни натижани олгунингизча кузатиб боринг.
}
search-label = Хизматни қидириш
search-hint = Исталган тилда, лотин ёки кирилл ёзувида ёзинг, масалан: «туғилиш», «birth» ёки «паспорт».
search-button = Қидириш
life-events-heading = Ҳаётий вазиятлар бўйича хизматлар
popular-heading = Хизматлар
all-services-link = Барча хизматларни кўриш
services-count = { $count ->
    [one] { $count } та хизмат
   *[other] { $count } та хизмат
}
catalogue-title = Давлат хизматлари каталоги
search-results-title = «{ $query }» бўйича қидирув натижалари
services-found = { $count ->
    [0] Ҳеч қандай хизмат топилмади
    [one] { $count } та хизмат топилди
   *[other] { $count } та хизмат топилди
}
no-results = Сўзларнинг ёзилишини текширинг ёки бошқа сўзлар билан қидириб кўринг. Хизматларни ҳаётий вазиятлар бўйича ҳам кўриб чиқишингиз мумкин.
filter-life-event = Ҳаётий вазият
filter-agency = Идора
filter-all = Барчаси
filter-apply = Фильтрларни қўллаш

## Хизмат паспорти
back-to-catalogue = Барча хизматлар
passport-fee = Хизмат нархи
passport-deadline = Кўриб чиқиш муддати
passport-who = Ким ариза бериши мумкин
passport-result = Натижада нима оласиз
passport-channels = Қаерда ариза бериш мумкин
passport-agency = Масъул идора
passport-legal-basis = Ҳуқуқий асос
passport-documents = Керакли ҳужжатлар
passport-no-documents = Ҳужжатлар талаб қилинмайди.
passport-life-events = Ҳаётий вазиятлар
passport-offline = Бу хизмат учун ҳозирча онлайн ариза бериб бўлмайди. Юқорида кўрсатилган усуллардан бири орқали ариза беринг.
start-now = Бошлаш
start-sign-in-note = Аввал тизимга киришингиз сўралади.
fee-free = Бепул
fee-amount = { $amount } сўм
fee-bhm = { $amount } сўм ({ $multiple } × БҲМ)
fee-unknown = Амалдаги базавий ҳисоблаш миқдорига боғлиқ
working-days = { $count ->
    [one] { $count } иш куни
   *[other] { $count } иш куни
}
channel-online = Ушбу порталда онлайн
channel-public-service-centre = Давлат хизматлари маркази
channel-agency-office = Идора биносида
channel-mobile-app = Мобил илова
channel-post = Почта орқали

## Ариза бериш
step-of = { $total } қадамдан { $number }-қадам
save-continue = Сақлаш ва давом этиш
save-draft = Қоралама сифатида сақлаш
select-placeholder = Танланг…
file-current = Юкланган: { $name }. Уни алмаштириш учун бошқа файл танланг.
file-limits = PDF, JPG ёки PNG, ҳажми кўпи билан { $size } МБ.
reference-label = Ариза рақами
check-title = Аризани юборишдан олдин жавобларингизни текширинг
not-answered = Тўлдирилмаган
change = Ўзгартириш
declaration-heading = Энди аризангизни юборинг
declaration-text = Ушбу аризани юбориш орқали сиз тақдим этаётган маълумотлар, билишингизча, тўғри эканини тасдиқлайсиз.
submit-button = Тасдиқлаш ва юбориш
resubmit-button = Тузатилган аризани юбориш
confirmation-title = Ариза юборилди
confirmation-reference = Аризангиз рақами
confirmation-service = «{ $service }» хизмати бўйича аризангиз масъул идорага юборилди.
what-next = Кейин нима бўлади
confirmation-next = { $holder }. Аризанинг ҳар бир босқичини унинг саҳифасида кузатиб боришингиз мумкин.
confirmation-due = Идора { $date } санасига қадар қарор қабул қилиши шарт (қонунга кўра муддат — { $deadline }).
follow-application = Аризани кузатиш

## Шакллардаги хатолар
error-title-prefix = Хато
error-summary-title = Хатолик аниқланди
error-required = «{ $label }» майдонини тўлдиринг
error-choose = «{ $label }» майдонида вариантни танланг
error-upload = «{ $label }» майдонига файл юкланг
error-confirm = Тасдиқланг: { $label }
error-min-length = «{ $label }» камида { $limit } та белгидан иборат бўлиши керак
error-max-length = «{ $label }» кўпи билан { $limit } та белгидан иборат бўлиши керак
error-minimum = «{ $label }» камида { $limit } бўлиши керак
error-maximum = «{ $label }» кўпи билан { $limit } бўлиши керак
error-pattern = «{ $label }» майдонини тўғри форматда тўлдиринг
error-date = «{ $label }» мавжуд сана бўлиши керак, масалан: 2024-03-27
error-email = «{ $label }» майдонига электрон почта манзилини киритинг, масалан: name@example.uz
error-number = «{ $label }» майдонига сон киритинг
error-invalid = «{ $label }» майдонини текширинг
upload-empty = «{ $label }» учун танланган файл бўш
upload-too-large = «{ $label }» учун файл ҳажми { $limit } МБ дан кичик бўлиши керак
upload-wrong-type = «{ $label }» учун файл PDF, JPG ёки PNG форматида бўлиши керак

## Аризаларни кузатиш
my-applications-title = Аризаларим
no-applications = Сизда ҳали аризалар йўқ.
find-service = Хизматни топиш
service-label = Хизмат
status-label = Ҳолати
due-label = Қарор қабул қилиш муддати
holder-label = Ариза ҳозир кимда
submitted-label = Юборилган сана
applicant-label = Ариза берувчи
application-heading = Ариза № { $reference }
overdue = Муддати ўтган
saved-title = Сақланди
saved-text = Қоралама сақланди. Унга исталган вақтда «Аризаларим» бўлимидан қайтишингиз мумкин.
returned-text = Идора аризангизни тузатиш учун қайтарди.
correct-button = Аризани тузатиш
continue-draft = Аризани тўлдиришни давом эттириш
reject-reason-heading = Қарор сабаби
result-heading = Натижа
download-result = Юклаб олиш: { $name } ({ $size } КБ)
history-heading = Тарих
your-answers = Жавобларингиз
pinfl-label = ЖШШИР
status-draft = Қоралама
status-submitted = Юборилган
status-in-review = Кўриб чиқилмоқда
status-returned = Тузатиш учун қайтарилган
status-approved = Маъқулланган
status-rejected = Рад этилган
holder-applicant = Сиз: ариза сизнинг ҳаракатингизни кутмоқда
holder-agency = { $agency }: ходим томонидан кўриб чиқилишини кутмоқда
holder-officer = { $officer }, { $agency }
holder-closed = Ҳеч кимда: қарор қабул қилинган
action-create = Ариза тўлдириш бошланди
action-submit = Ариза юборилди
action-resubmit = Тузатилган ариза юборилди
action-take = Кўриб чиқишга олинди
action-approve = Маъқулланди
action-reject = Рад этилди
action-return = Тузатиш учун қайтарилди
actor-applicant = Ариза берувчи
actor-officer = Ходим

## Ойлар (санадан кейинги шакл, масалан: «27 ноябр 2026»)
month-1 = январ
month-2 = феврал
month-3 = март
month-4 = апрел
month-5 = май
month-6 = июн
month-7 = июл
month-8 = август
month-9 = сентябр
month-10 = октябр
month-11 = ноябр
month-12 = декабр

## Тизимга кириш
sign-in-title = Кириш
sign-in-demo-warning = Намойиш учун идентификация провайдери: тизимга кириш учун ўйлаб топилган шахслардан бирини танланг. Ҳақиқий тизимда фойдаланувчилар OneID орқали киради.
sign-in-citizens = Фуқаролар
sign-in-officers = Идора ходимлари
sign-in-admins = Электрон ҳукумат маркази
sign-in-button = Кириш

## Ходимлар учун
staff-title = Кўриб чиқиладиган аризалар
staff-search = Ариза рақами ёки ЖШШИР
staff-overdue-only = Фақат муддати ўтганлар
staff-count = { $count ->
    [one] { $count } та ариза
   *[other] { $count } та ариза
}
staff-empty = Мос аризалар топилмади.
take-button = Кўриб чиқишга олиш
decision-heading = Қарор
decision-label = Қарорингиз қандай?
decision-approve = Маъқуллаш ва натижани бериш
decision-return = Тузатиш учун ариза берувчига қайтариш
decision-reject = Рад этиш
decision-comment = Ариза берувчи учун сабаб ёки изоҳ
decision-comment-hint = Рад этганда ёки қайтарганда тўлдириш мажбурий. Ариза берувчи уни кўради.
decision-result-file = Натижа ҳужжати (ихтиёрий)
decision-result-hint = PDF файл. Агар ҳеч нарса бириктирмасангиз, натижа ҳужжатини платформанинг ўзи шакллантиради.
decision-button = Қарорни қайд этиш
decision-choose = Қарорни танланг
incident-recorded = Қарор сақланди, лекин жараён давом эта олмади ({ $when }). Бу ҳодиса сифатида қайд этилди ва администраторни кутмоқда; сиздан ҳеч нарса талаб қилинмайди.
decision-reason-required = Сабабни киритинг: ариза берувчи сабабини билиши керак
decision-result-pdf = Натижа ҳужжати ҳажми 10 МБ дан кичик PDF файл бўлиши керак
decision-not-allowed = Бу қарорни энди қабул қилиб бўлмайди: ариза ўзгарган. Унинг ҳолатини текширинг.
documents-heading = Ҳужжатлар

## Бошқарув
admin-title = Хизматлар реестри
admin-version = Реестр версияси: { $version }.
admin-services = Хизматлар
admin-agencies = Идоралар
admin-calendar = Иш кунлари тақвими
admin-code = Код
admin-service-version = Версия
admin-year = Йил
admin-holidays = Байрам кунлари
admin-days-off = Қўшимча дам олиш кунлари
admin-working-days = Кўчирилган иш кунлари
admin-provisional = Дастлабки

## API саҳифаси
api-title = Ягона API
api-intro = HTTPS орқали JSON. Хатолар RFC 9457 форматидаги муаммо ҳужжатлари сифатида қайтарилади. Машина ўқий оладиган тавсиф манзили:
api-parameters = Параметрлар
api-responses = Жавоблар
api-name = Номи
api-in = Жойлашуви
api-description = Тавсиф
api-status = Статус коди
api-schemas = Схемалар

## Хато саҳифалари
error-not-found-title = Саҳифа топилмади
error-not-found-text = Агар манзилни ўзингиз киритган бўлсангиз, унинг тўғрилигини текширинг. Агар аризага ҳавола орқали келган бўлсангиз, у бошқа шахсга тегишли бўлиши мумкин.
error-forbidden-title = Сиз бу саҳифани оча олмайсиз
error-forbidden-text = Ҳисобингиз бу саҳифага кириш ҳуқуқини бермайди.
error-csrf-title = Шаклнинг амал қилиш муддати тугади
error-csrf-text = Хавфсизлик мақсадида шакл қабул қилинмади. Орқага қайтинг, саҳифани янгиланг ва қайтадан уриниб кўринг.
error-bad-request-title = Сўровни ўқиб бўлмади
error-bad-request-text = Орқага қайтинг ва қайтадан уриниб кўринг.
error-too-large-title = Файл жуда катта
error-too-large-text = Орқага қайтинг ва кичикроқ файл танланг.
error-conflict-title = Бу орада кимдир маълумотларни ўзгартирди
error-conflict-text = Орқага қайтинг, саҳифани янгиланг ва қайтадан уриниб кўринг.
error-internal-title = Кечирасиз, хизматда носозлик юз берди
error-internal-text = Кейинроқ қайта уриниб кўринг. Сақланган жавобларингиз ўчиб кетмайди.

## Processes and tasks
action-release = Навбатга қайтарилди
action-issue-result = Натижа ҳужжати расмийлаштирилди
action-escalate = Муддат ўтди: бўлим бошлиғига етказилди
action-notify = Хабарнома юборилди
actor-system = Платформа
current-step-label = Жорий босқич
inbox-show = Кўрсатиш
inbox-mine = Менга бириктирилган
inbox-unassigned = Бириктирилмаган
inbox-you = Сиз
inbox-count = { $count ->
   *[other] { $count } та вазифа
}
inbox-empty = Мос вазифалар йўқ.
task-label = Вазифа
assignee-label = Ижрочи
release-button = Навбатга қайтариш
task-taken-by = Бу вазифа билан { $name } шуғулланмоқда.
task-form-invalid = Ушбу вазифа бўйича киритганларингизни текширинг
checks-heading = Платформа текширувлари
diagram-heading = Жараён
diagram-title = «{ $service }» хизматининг жараёни
diagram-legend = Яшил: ўтилган босқичлар. Кўк, қалин чизиқ: ариза ҳозир қаерда.

# Идоралараро ахборот алмашинуви (администраторлар)
exchange-title = Идоралараро ахборот алмашинуви
exchange-intro = Иштирокчилар, уларнинг ахборот тизимлари ва улар тақдим этадиган сервислар, шунингдек ким нимани чақира олиши. Бу ерда рухсат берилмаган ҳамма нарса рад этилади.
exchange-calls-only = Бу тизим сервисларни чақиради, ўзи сервис тақдим этмайди.
exchange-nodes-title = Алмашинув тугунлари
exchange-node = Тугун
exchange-node-address = Манзил (ўзаро TLS)
exchange-node-key = Очиқ калит
exchange-hosted-on = { $node } тугунида
exchange-room = Нашр/обуна хонаси (тугуннинг ўзи жавоб беради)
exchange-base-url = Сервис манзили
exchange-timeout = Жавобни энг узоқ кутиш вақти
exchange-rights = Ким чақира олади
exchange-grantee = Ким чақира олади
exchange-method = Усул
exchange-path = Йўл
exchange-any-method = исталган усул
exchange-no-rights = Бу сервисни ҳеч ким чақира олмайди.
exchange-revoke = Бекор қилиш
exchange-grant-title = Ҳуқуқ бериш
exchange-grant = Бериш
exchange-service = Сервис
exchange-choose = Танланг…
exchange-path-hint = * йўлнинг бир қисмига, ** бир нечта қисмига мос келади; /** — бутун сервис.
exchange-error-service = Ҳуқуқ қайси сервисга тегишли эканини танланг
exchange-error-grantee = Чақиришга рухсат бериладиган тизим ёки гуруҳни танланг
exchange-error-method = Усулни танланг
exchange-error-path = / билан бошланадиган ва бўш жойсиз йўлни киритинг, масалан /v1/persons/*
exchange-traffic-title = Ким кимни чақиради
exchange-traffic-intro = Алмашинув шлюзи орқали идоралар ўртасидаги чақирувлар хабарлар журналидан: қанча, қанчаси хато билан тугаган ва тақдим этувчилар қанча тез жавоб берган.
exchange-traffic-caption = { $from } дан { $to } гача
exchange-from = Дан
exchange-to = Гача
exchange-show = Кўрсатиш
exchange-caller = Чақирувчи
exchange-provider = Тақдим этувчи
exchange-calls = Чақирувлар
exchange-errors = Хато билан
exchange-no-traffic = Бу даврда алмашинув бўлмаган.
exchange-error-date = Санани киритинг, масалан 2026-11-27
exchange-error-period = Давр охири унинг бошидан олдин бўлиши мумкин эмас

# Бир марталик киритиш: давлат реестрларидаги маълумотлар
prefill-source = Қуйидаги маълумотлар асосида тўлдирилди: { $source }. Нотўғри бўлса, тузатинг.
facts-heading = Давлат реестрлари нима хабар берди
facts-intro = Буни сиздан қайта сўрамаслик учун ушбу реестрларга идоралараро алмашинув орқали сўров юбордик. Бирор нарса нотўғри бўлса, реестрни юритувчи идорага мурожаат қилинг.
facts-fetched = Сўралган вақт: { $when }

# The single contact point: appeals
nav-appeals = Мурожаатлар
nav-my-appeals = Мурожаатларим
nav-contact = Савол ёки шикоят
sign-in-operators = Алоқа маркази операторлари
period-from = Дан
period-to = Гача
appeal-kind-inquiry = Ариза
appeal-kind-complaint = Шикоят
appeal-kind-proposal = Таклиф
appeal-status-received = Қабул қилинди
appeal-status-assigned = Идорага юборилди
appeal-status-in-progress = Кўриб чиқилмоқда
appeal-status-answered = Жавоб берилди
appeal-status-closed = Ёпилди
appeal-status-reopened = Қайта очилди
appeal-channel-label = Канал
appeal-channel-portal = Портал
appeal-channel-phone = Телефон қўнғироғи
appeal-channel-open311 = Open311
appeal-contact-centre = Миллий алоқа маркази
appeal-field-kind = Мурожаат тури
appeal-field-service = Қайси хизмат ҳақида?
appeal-field-topic = Ёки қайси мавзу?
appeal-field-subject = Мавзу
appeal-field-body = Мурожаат матни
appeal-field-application_ref = Ариза рақами
appeal-field-name = Ф. И. Ш.
appeal-field-pinfl = Қўнғироқ қилувчининг ЖШШИР
appeal-field-phone = Телефон рақами
appeal-field-email = Электрон почта
appeal-field-needs_checking = Қўшимча ўрганиш ёки текшириш талаб этилади (15 кун ўрнига бир ой)
appeal-field-kb = Билимлар базасидан жавоб
appeal-field-answer = Ёки сиз берган жавоб
appeal-field-reply = Жавоб
appeal-field-note = Изоҳ
appeal-field-reason = Сабаб
appeal-field-agency = Идора
appeal-field-into = Мурожаат рақами
appeal-field-rating = Баҳо
appeal-field-comment = Изоҳ
appeal-field-lat = Кенглик
appeal-field-long = Узунлик
appeal-field-address = Манзил
appeal-hint-service = Агар мурожаат битта хизмат ҳақида бўлмаса, бўш қолдиринг.
appeal-hint-body = 4000 белгигача. Нима бўлганини ва нимани сўраётганингизни ёзинг.
appeal-hint-application_ref = Агар мурожаат ариза ҳақида бўлса, масалан YG-7K4M-X9QA.
appeal-hint-phone = Телефон ёки электрон почтани киритинг: жавоб шу ерга келади ва мурожаатни кузатиш учун керак бўлади.
appeal-hint-tracking = Тасдиқномадагидек, масалан MR-7K4M-X9QA.
appeal-hint-check = Юборишда кўрсатган телефон рақамингиз ёки электрон почтангиз.
appeal-problem-required = Киритинг: { $field }
appeal-problem-too-long = Жуда узун: { $field }
appeal-problem-phone = Телефон рақамини киритинг, масалан +998 90 123 45 67
appeal-problem-email = Электрон почта манзилини киритинг, масалан name@example.uz
appeal-problem-need-contact = Сизга жавоб беришимиз учун телефон ёки электрон почтани киритинг
appeal-problem-service = Рўйхатдан хизматни танланг
appeal-problem-topic = Рўйхатдан мавзуни танланг
appeal-problem-agency = Рўйхатдан идорани танланг
appeal-problem-range = Нотўғри қиймат: { $field }
appeal-problem-same-agency = Мурожаат аллақачон шу идорада
appeal-problem-invalid = Текширинг: { $field }
appeal-new-title = Савол бериш, шикоят ёки таклиф
appeal-new-lead = Ягона алоқа маркази ҳар қандай давлат хизмати бўйича жавоб беради. Қонунга кўра мурожаатингиз 15 кун ичида, қўшимча текшириш керак бўлса — бир ой ичида кўриб чиқилади.
appeal-send = Юбориш
appeal-record = Қўнғироқни қайд этиш
appeal-call-title = Қўнғироқни ёзиш
appeal-first-contact-heading = Қўнғироқ пайтида жавоб берилдими?
appeal-first-contact-lead = Агар дарҳол жавоб берган бўлсангиз, жавобни танланг ёки ёзинг: мурожаат биринчи алоқада ҳал қилинган деб белгиланади.
appeal-first-contact = Биринчи алоқада ҳал қилинди
appeal-sent-title = Мурожаат юборилди
appeal-tracking-label = Мурожаат рақами
appeal-sent-holder = Ҳозир у қуйидагида: { $agency }.
appeal-sent-deadline = Жавоб { $date } дан кечиктирмай берилади.
appeal-sent-keep = Мурожаат рақамини сақланг. У ва кўрсатган телефон ёки почтангиз орқали тизимга кирмасдан мурожаатни кузатишингиз мумкин.
appeal-follow = Мурожаатни кузатиш
appeal-track-link = Юборилган мурожаатни кузатиш
appeal-track-title = Мурожаатни кузатиш
appeal-track-lead = Мурожаат рақамини ва кўрсатган телефон ёки электрон почтангизни киритинг.
appeal-check-label = Телефон ёки электрон почта
appeal-track-button = Мурожаатни кўрсатиш
appeal-track-not-found = Бу рақам ва телефон ёки почта билан мурожаат топилмади. Иккаласини текширинг.
appeal-heading = { $tracking } мурожаат
appeal-about-label = Нима ҳақида
appeal-address-label = Манзил
appeal-extended = узайтирилган
appeal-rating-label = Баҳо
appeal-merged-label = Бирлаштирилди
appeal-internal = ички
appeal-none = Мурожаатлар йўқ.
appeal-rate-heading = Жавобни баҳоланг
appeal-rating-5 = 5 — аъло
appeal-rating-4 = 4 — яхши
appeal-rating-3 = 3 — қониқарли
appeal-rating-2 = 2 — ёмон
appeal-rating-1 = 1 — жуда ёмон
appeal-rate-comment = Изоҳ
appeal-rate-button = Баҳони юбориш
appeal-rated = Раҳмат: баҳоингиз қайд этилди, мурожаат ёпилди.
appeal-reopen-heading = Ҳал бўлмадими? Мурожаатни қайта очинг
appeal-reopen-hint = Жавобдан кейин 30 кун ичида. Нима ҳал бўлмаганини ёзинг.
appeal-reopen-button = Қайта очиш
appeal-reopened = Мурожаат қайта очилди ва янги муддат белгиланди.
appeal-reopen-over = Қайта очиш учун 30 кун ўтди: янги мурожаат юборинг.
appeal-due-soon = Муддати яқин
appeal-queue-title = Мурожаатлар
appeal-search = Қидириш
appeal-search-hint = Рақам, ЖШШИР, телефон ёки почта
appeal-open-only = Жавоб кутилмоқда
appeal-escalated-only = Фақат муддати яқин ёки ўтганлар
appeal-escalated-count = { $count ->
   *[other] { $count } та мурожаатнинг муддати яқин ёки ўтган
}
appeal-count = { $count ->
   *[other] { $count } та мурожаат
}
appeal-applicant-heading = Мурожаат этувчи
appeal-knowledge-heading = Билимлар базаси
appeal-send-this-answer = Шу жавобни юбориш
appeal-reply-heading = Мурожаат этувчига жавоб
appeal-reply-label = Жавоб (мурожаат этувчи кўради)
appeal-reply-button = Жавобни юбориш
appeal-note-heading = Ички изоҳ
appeal-note-label = Изоҳ (фақат ходимлар учун)
appeal-note-button = Изоҳ қўшиш
appeal-assign-heading = Идорага юбориш
appeal-assign-button = Юбориш
appeal-forward-heading = Ваколатли идорага юбориш
appeal-forward-reason = Сабаби (мурожаат этувчига хабар қилинади)
appeal-forward-button = Юбориш
appeal-to-agency = Идора
appeal-extend-heading = Муддатни бир ойга узайтириш
appeal-extend-reason = Нима учун қўшимча ўрганиш керак (мурожаат этувчига хабар қилинади)
appeal-extend-button = Узайтириш
appeal-already-extended = Муддат аллақачон бир марта узайтирилган; қонун бошқа рухсат бермайди.
appeal-merge-heading = Бошқа мурожаатнинг такрорими?
appeal-merge-into = Қоладиган мурожаат рақами
appeal-merge-button = Бирлаштириш
appeal-close-button = Мурожаатни ёпиш
appeal-event-received = Қабул қилинди
appeal-event-routed = Юборилди: { $agency }
appeal-event-taken = Кўриб чиқишга олинди
appeal-event-replied = Жавоб
appeal-event-noted = Изоҳ
appeal-event-forwarded = Юборилди: { $agency }
appeal-event-extended = Муддат бир ойга узайтирилди
appeal-event-merged = Бошқа мурожаат билан бирлаштирилди
appeal-event-merged-from = Бу мурожаатга такрор мурожаат бирлаштирилди
appeal-event-rated = Жавоб баҳоланди
appeal-event-reopened = Қайта очилди
appeal-event-closed = Ёпилди
appeal-period-invalid = Саналарни киритинг, масалан 2026-11-27; бошланиши охиридан кейин бўлмасин
appeal-figures-title = Мурожаатлар рақамларда
appeal-figures-lead = { $from } дан { $to } гача келиб тушган мурожаатлар.
appeal-figures-by-agency = Идоралар бўйича
appeal-figures-by-service = Хизматлар бўйича
appeal-figures-who = Идора ёки хизмат
appeal-figures-total = Барча идоралар
appeal-figures-appeals = Мурожаатлар
appeal-figures-on-time = Муддатида жавоб
appeal-figures-first-contact = Биринчи алоқада ҳал қилинди
appeal-figures-rating = Ўртача баҳо
appeal-figures-notes = «Муддатида жавоб» — қонуний муддатгача берилган жавобларнинг барча жавоблар ва муддати ўтган очиқ мурожаатларга нисбати. «Биринчи алоқада ҳал қилинди» — оператор биринчи қўнғироқда берган жавоблар. Бирлаштирилган такрорлар ҳисобга олинмайди.
appeal-holder-label = Ҳозир кимда
appeal-due-label = Жавоб муддати
passport-questions-heading = Кўп бериладиган саволлар
passport-ask = Бу хизмат ҳақида савол бериш ёки шикоят қилиш
appeal-problem-required-kind = Ариза, шикоят ёки таклиф эканини танланг
appeal-problem-required-subject = Мавзуни киритинг
appeal-problem-required-body = Мурожаат матнини ёзинг
appeal-problem-required-name = Фамилия, исм ва отангизнинг исмини киритинг
appeal-problem-required-reply = Жавобни ёзинг
appeal-problem-required-note = Изоҳни ёзинг
appeal-problem-required-reason = Сабабини ёзинг
appeal-problem-required-kb = Билимлар базасидан жавобни танланг
appeal-problem-range-rating = 1 дан 5 гача баҳо танланг
appeal-track-locked = Бу рақам учун нотўғри уринишлар жуда кўп. Бир соатдан кейин уриниб кўринг ёки алоқа марказига қўнғироқ қилинг.

incidents-title = Ҳодисалар
incidents-intro = Хизмат жараёни ўзи давом эта олмаган жойлар: жавоб бермаган шарт, хато берган қарор, уринишлари тугаган топшириқ. Ўзгарувчиларни тузатинг ва қайта уриниб кўринг.
incidents-open = Очиқ: { $count }
incidents-none = Очиқ ҳодисалар йўқ.
incidents-when = Қайд этилган
incidents-application = Ариза
incidents-where = Жараён ва элемент
incidents-message = Нима юз берди
incidents-caused-by = Қадамдан кейин: { $who }
incidents-caused-by-label = Қадамдан кейин
incident-title = Ҳодиса
incident-diagram-legend = Қизил рангдаги элемент — жараён тўхтаган жой.
incident-variables = Жараён ўзгарувчилари
incident-variables-hint = JSON объекти. Ўзгартирилган ва қўшилган ўзгарувчилар сақланади; сўнг ҳодиса юз берган қадам қайта бажарилади.
incident-variables-invalid = Ўзгарувчиларни JSON объекти сифатида киритинг, масалан {"{"} "amount": 5000 {"}"}
incident-retry = Сақлаш ва қайта уриниш
incident-save = Фақат ўзгарувчиларни сақлаш

# Sign-in through providers
sign-in-with-provider = Қуйидаги хизматлардан биридаги ҳисобингиз билан киринг. Сўнгра шу ерга қайтасиз.
sign-in-demo-heading = Намуна фойдаланувчилар
sign-in-failed-title = Сиз тизимга кирмадингиз
sign-in-failed-nothing = Ҳеч нарса ўзгармади ва сиз тизимга кирмадингиз.
sign-in-failed-again = Қайта кириб кўринг
sign-in-failed-unknown = Бундай кириш усули йўқ.
sign-in-failed-state = Бу кириш ҳаволаси аллақачон ишлатилган ёки эскирган. Кириш ҳаволаси бир марта, 10 дақиқа ичида ишлайди.
sign-in-failed-refused = Кириш хизмати сизни тизимга киритмади (бекор қилинди ёки рад этилди).
sign-in-failed-unreachable = Кириш хизмати ҳозир жавоб бермаяпти. Бир неча дақиқадан сўнг қайта уриниб кўринг.
sign-in-failed-invalid = Кириш хизматининг жавобига ишониб бўлмади, шунинг учун у қабул қилинмади.
sign-in-failed-not-allowed = Бу хизматдаги ҳисобингиздан бу ерда фойдаланиб бўлмайди: у шахсий идентификация рақамингизни (ЖШШИР) бермайди.
sign-in-failed-internal = Бизнинг томонда хатолик юз берди.
sign-in-level = Ўзингизни қандай тасдиқладингиз?
sign-in-level-password = Парол
sign-in-level-otp = Парол ва бир марталик код
sign-in-level-e-signature = Электрон рақамли имзо калити
passport-assurance = Кириш усули
sign-in-failed-too-weak = Бу хизмат сиз фойдаланган усулдан ишончлироқ киришни талаб қилади. У сўраган усул билан қайта киринг.

# Staff roles (administrators)
roles-title = Ходимлар роллари
roles-intro = Кириш хизматлари айтганидан ташқари, Электрон ҳукумат маркази қарори билан ким идора ходими, алоқа маркази оператори ёки администратор эканлиги. Бу ерда берилган рол дарҳол ва ҳар сафар тизимга кирганда амал қилади; олиб қўйилган рол шахснинг сеансларини тугатади. Ҳар бир ўзгариш қуйида сақланади.
roles-current = Бу ерда берилган роллар
roles-role = Рол
roles-role-officer = Идора ходими
roles-role-operator = Алоқа маркази оператори
roles-role-admin = Администратор
roles-by = Ким берган
roles-withdraw = Олиб қўйиш
roles-none = Бу ерда ҳали рол берилмаган.
roles-grant = Рол бериш
roles-agency-hint = Идора ходими учун: у ишлайдиган идора.
roles-grant-button = Ролни бериш
roles-audit = Ўзгаришлар
roles-when = Қачон
roles-change = Ўзгариш
roles-change-granted = Берилди
roles-change-withdrawn = Олиб қўйилди
roles-no-changes = Ҳали ўзгариш йўқ.
roles-error-pinfl = Шахснинг ЖШШИРини киритинг: 14 та рақам
roles-error-role = Ролни танланг
roles-error-agency = Ходимнинг идорасини танланг

## Тўловлар
fee-heading = Тўлов
fee-invoice-label = Ҳисоб-фактура рақами
fee-amount-label = Сумма
fee-status-label = Тўлов ҳолати
fee-status-unpaid = Тўланмаган
fee-status-pending = Тўлов жараёнида
fee-status-paid = Тўланган
fee-status-cancelled = Бекор қилинган
fee-status-refunded = Қайтарилган
fee-paid-label = Тўланган сана
fee-paid-on = { $date }, { $provider } орқали
fee-pay-by-label = Тўлаш муддати
fee-refund-allowed = Ариза рад этилган ёки ёпилган, шунинг учун тўлов сиз тўлаган карта ёки ҳисобга қайтарилади.
fee-pending-text = Ушбу ҳисоб-фактура бўйича тўлов бошланган. Агар тўлов саҳифасидан чиқиб кетган бўлсангиз, бир неча дақиқа кутинг ва саҳифани янгиланг.
fee-pay-intro = Тўлов амалга оширилгач, аризангиз идорага юборилади. Сиз тўлов тизимининг ўз саҳифасида тўлайсиз, сўнг шу ерга қайтасиз.
fee-pay-with = { $provider } орқали тўлаш
fee-pay-in-person = Ҳозирда онлайн тўлов мавжуд эмас. Ҳисоб-фактура рақами билан банкда ёки давлат хизматлари марказида тўланг.
fee-after-submit = Аризани юборганингизда шу суммага ҳисоб-фактура оласиз ва уни Payme ёки Click орқали онлайн тўлайсиз. Тўловдан сўнг ариза идорага юборилади.
fee-next = Тўловни ҳозир амалга оширинг: тўловдан сўнг аризангиз идорага юборилади. Кўрсатилган санагача тўланмаса, ариза ёпилади.
action-pay-fee = Тўлов қабул қилинди
action-refund-fee = Тўлов қайтарилди
fee-unpaid-closed = Тўлов муддатида амалга оширилмагани сабабли ариза ёпилди. Қайтадан ариза беришингиз мумкин.

## Тўловлар: Электрон ҳукумат маркази саҳифаси
payments-admin-title = Тўловлар
payments-admin-intro = Payme ва Click орқали тўланган йиғимлар: сўнгги етти куннинг ҳисоб-фактуралари ҳамда тўлов тизимининг бир кунлик кўчирмасини Ягона ёзувлари билан солиштириш.
payments-admin-summary = Сўнгги етти кун (Тошкент вақти)
payments-admin-day = Кун
payments-admin-issued = Берилган ҳисоб-фактуралар
payments-admin-paid = Тўланган
payments-admin-paid-total = Жами тўланган
payments-admin-refunded = Қайтарилган
payments-admin-cancelled = Бекор қилинган
payments-admin-total = Етти кун жами
payments-admin-reconcile = Кўчирмани текшириш
payments-admin-reconcile-intro = Тўлов тизими кабинетидан олинган бир кунлик кўчирмани (CSV файл) юкланг. Ундаги ҳар бир транзакция Ягонанинг шу кунги ёзувлари билан солиштирилади ва ҳар бир фарқ кўрсатилади. Ҳеч нарса ўзгартирилмайди.
payments-admin-provider = Тўлов тизими
payments-admin-date = Кўчирма куни
payments-admin-date-hint = Тошкент вақти, масалан 27 11 2026
payments-admin-date-day = Кун
payments-admin-date-month = Ой
payments-admin-date-year = Йил
payments-admin-statement = Кўчирма
payments-admin-statement-hint = Сарлавҳа қатори бўлган, ҳар қаторида битта транзакция ёзилган CSV файл.
payments-admin-button = Кўчирмани текшириш
payments-admin-error-provider = Тўлов тизимини танланг
payments-admin-error-date = Кўчирма кунини ҳақиқий сана сифатида киритинг, масалан 27 11 2026
payments-admin-error-date-future = Кўчирма куни бугун ёки ундан олдинги кун бўлиши керак
payments-admin-error-statement = Кўчирма файлини танланг
payments-admin-error-empty = Кўчирма файли бўш
payments-admin-error-encoding = Кўчирма UTF-8 кодлашдаги CSV матн файли бўлиши керак
payments-admin-error-line = Кўчирманинг { $line }-қаторини ўқиб бўлмади: { $reason }
payments-admin-result = { $provider } кўчирмаси, { $date }
payments-admin-matched = Мос келган транзакциялар
payments-admin-differences = Фарқлар
payments-admin-agree = Кўчирма ва Ягона ёзувлари бир-бирига мос келади.
payments-admin-kind = Фарқ
payments-admin-provider-id = Тўлов тизимидаги транзакция
payments-admin-invoice = Ҳисоб-фактура
payments-admin-in-yagona = Ягонада
payments-admin-at-provider = Тўлов тизимида
payments-admin-kind-missing-in-yagona = Ягона ёзувларида йўқ
payments-admin-kind-missing-at-provider = Кўчирмада йўқ
payments-admin-kind-amount-mismatch = Суммалар фарқ қилади
payments-admin-kind-standing-mismatch = Ҳолатлар фарқ қилади
payments-admin-kind-invoice-mismatch = Ҳисоб-фактуралар фарқ қилади
payments-admin-standing-open = Бошланган, тўланмаган
payments-admin-standing-paid = Тўланган
payments-admin-standing-cancelled = Бекор қилинган
payments-admin-standing-refunded = Қайтарилган
payments-admin-refunds = Қайтариладиган тўловлар
payments-admin-application = Ариза
payments-admin-amount = Сумма
payments-admin-refunds-how = Бу аризалар рад этилган ва уларнинг хизматлари тўловни қайтаради. Payme: транзакцияни Payme Business’да (касса транзакциялари) бекор қилинг; Ягона Payme’нинг бекор қилишини қабул қилади ва қайтаришни қайд этади. Click: Ягона Click’дан тўловни қайтаришни ҳар дақиқада сўрайди; бу ерда ҳали кўринаётгани Click томонидан рад этилган — тугун журналига қаранг.
