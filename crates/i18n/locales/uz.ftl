# Yagona interfeysi matnlari — oʻzbek tili (lotin yozuvi).
# Xabar identifikatorlari toʻrtala faylda bir xil; `cargo test -p yagona-i18n` har bir faylda barcha identifikatorlar borligini tekshiradi.

## Umumiy qism
skip-to-content = Asosiy mazmunga oʻtish
demo-tag = Demo
demo-banner = Bu — Yagona portalining namoyish versiyasi. Tizimga kirish uchun oʻylab topilgan shaxslardan foydalaniladi; bu yerda bajargan hech bir amalingiz haqiqiy idoraga yetib bormaydi.
demo-banner-label = Namoyish haqida ogohlantirish
language-switcher = Til
nav-label = Sayt boʻylab navigatsiya
nav-menu = Menyu
nav-services = Xizmatlar
nav-my-applications = Arizalarim
nav-staff = Koʻrib chiqiladigan arizalar
nav-admin = Reyestr
nav-sign-in = Kirish
nav-sign-out = Chiqish
footer-heading = Foydali havolalar
footer-api = Dasturchilar uchun API
footer-licences = Litsenziyalar
footer-text = Yagona — davlat xizmatlari uchun ochiq kodli platforma.
back = Orqaga
go-home = Bosh sahifaga oʻtish
optional = (ixtiyoriy)
warning = Diqqat
answer-yes = Ha
answer-no = Yoʻq

## Bosh sahifa va katalog
home-title = Davlat xizmatlari onlayn
home-heading = Davlat xizmatlari onlayn
home-lead = { $count ->
    [one] Portaldagi { $count } ta davlat xizmatini toping, onlayn ariza yuboring va arizangizni natijani olguningizcha kuzatib boring.
   *[other] Portaldagi { $count } ta davlat xizmatidan keraklisini toping, onlayn ariza yuboring va arizangizni natijani olguningizcha kuzatib boring.
}
search-label = Xizmatni qidirish
search-hint = Istalgan tilda, lotin yoki kirill yozuvida yozing, masalan: «tugʻilish», «birth» yoki «паспорт».
search-button = Qidirish
life-events-heading = Hayotiy vaziyatlar boʻyicha xizmatlar
popular-heading = Xizmatlar
all-services-link = Barcha xizmatlarni koʻrish
services-count = { $count ->
    [one] { $count } ta xizmat
   *[other] { $count } ta xizmat
}
catalogue-title = Davlat xizmatlari katalogi
search-results-title = «{ $query }» boʻyicha qidiruv natijalari
services-found = { $count ->
    [0] Hech qanday xizmat topilmadi
    [one] { $count } ta xizmat topildi
   *[other] { $count } ta xizmat topildi
}
no-results = Soʻzlarning yozilishini tekshiring yoki boshqa soʻzlar bilan qidirib koʻring. Xizmatlarni hayotiy vaziyatlar boʻyicha ham koʻrib chiqishingiz mumkin.
filter-life-event = Hayotiy vaziyat
filter-agency = Idora
filter-all = Barchasi
filter-apply = Filtrlarni qoʻllash

## Xizmat pasporti
back-to-catalogue = Barcha xizmatlar
passport-fee = Xizmat narxi
passport-deadline = Koʻrib chiqish muddati
passport-who = Kim ariza berishi mumkin
passport-result = Natijada nima olasiz
passport-channels = Qayerda ariza berish mumkin
passport-agency = Masʼul idora
passport-legal-basis = Huquqiy asos
passport-documents = Kerakli hujjatlar
passport-no-documents = Hujjatlar talab qilinmaydi.
passport-life-events = Hayotiy vaziyatlar
passport-offline = Bu xizmat uchun hozircha onlayn ariza berib boʻlmaydi. Yuqorida koʻrsatilgan usullardan biri orqali ariza bering.
start-now = Boshlash
start-sign-in-note = Avval tizimga kirishingiz soʻraladi.
fee-free = Bepul
fee-amount = { $amount } soʻm
fee-bhm = { $amount } soʻm ({ $multiple } × BHM)
fee-unknown = Amaldagi bazaviy hisoblash miqdoriga bogʻliq
working-days = { $count ->
    [one] { $count } ish kuni
   *[other] { $count } ish kuni
}
channel-online = Ushbu portalda onlayn
channel-public-service-centre = Davlat xizmatlari markazi
channel-agency-office = Idora binosida
channel-mobile-app = Mobil ilova
channel-post = Pochta orqali

## Ariza berish
step-of = { $total } qadamdan { $number }-qadam
save-continue = Saqlash va davom etish
save-draft = Qoralama sifatida saqlash
select-placeholder = Tanlang…
file-current = Yuklangan: { $name }. Uni almashtirish uchun boshqa fayl tanlang.
file-limits = PDF, JPG yoki PNG, hajmi koʻpi bilan { $size } MB.
reference-label = Ariza raqami
check-title = Arizani yuborishdan oldin javoblaringizni tekshiring
not-answered = Toʻldirilmagan
change = Oʻzgartirish
declaration-heading = Endi arizangizni yuboring
declaration-text = Ushbu arizani yuborish orqali siz taqdim etayotgan maʼlumotlar, bilishingizcha, toʻgʻri ekanini tasdiqlaysiz.
submit-button = Tasdiqlash va yuborish
resubmit-button = Tuzatilgan arizani yuborish
confirmation-title = Ariza yuborildi
confirmation-reference = Arizangiz raqami
confirmation-service = «{ $service }» xizmati boʻyicha arizangiz masʼul idoraga yuborildi.
what-next = Keyin nima boʻladi
confirmation-next = { $holder }. Arizaning har bir bosqichini uning sahifasida kuzatib borishingiz mumkin.
confirmation-due = Idora { $date } sanasiga qadar qaror qabul qilishi shart (qonunga koʻra muddat — { $deadline }).
follow-application = Arizani kuzatish

## Shakllardagi xatolar
error-title-prefix = Xato
error-summary-title = Xatolik aniqlandi
error-required = «{ $label }» maydonini toʻldiring
error-choose = «{ $label }» maydonida variantni tanlang
error-upload = «{ $label }» maydoniga fayl yuklang
error-confirm = Tasdiqlang: { $label }
error-min-length = «{ $label }» kamida { $limit } ta belgidan iborat boʻlishi kerak
error-max-length = «{ $label }» koʻpi bilan { $limit } ta belgidan iborat boʻlishi kerak
error-minimum = «{ $label }» kamida { $limit } boʻlishi kerak
error-maximum = «{ $label }» koʻpi bilan { $limit } boʻlishi kerak
error-pattern = «{ $label }» maydonini toʻgʻri formatda toʻldiring
error-date = «{ $label }» mavjud sana boʻlishi kerak, masalan: 2024-03-27
error-email = «{ $label }» maydoniga elektron pochta manzilini kiriting, masalan: name@example.uz
error-number = «{ $label }» maydoniga son kiriting
error-invalid = «{ $label }» maydonini tekshiring
upload-empty = «{ $label }» uchun tanlangan fayl boʻsh
upload-too-large = «{ $label }» uchun fayl hajmi { $limit } MB dan kichik boʻlishi kerak
upload-wrong-type = «{ $label }» uchun fayl PDF, JPG yoki PNG formatida boʻlishi kerak

## Arizalarni kuzatish
my-applications-title = Arizalarim
no-applications = Sizda hali arizalar yoʻq.
find-service = Xizmatni topish
service-label = Xizmat
status-label = Holati
due-label = Qaror qabul qilish muddati
holder-label = Ariza hozir kimda
submitted-label = Yuborilgan sana
applicant-label = Ariza beruvchi
application-heading = Ariza № { $reference }
overdue = Muddati oʻtgan
saved-title = Saqlandi
saved-text = Qoralama saqlandi. Unga istalgan vaqtda «Arizalarim» boʻlimidan qaytishingiz mumkin.
returned-text = Idora arizangizni tuzatish uchun qaytardi.
correct-button = Arizani tuzatish
continue-draft = Arizani toʻldirishni davom ettirish
reject-reason-heading = Qaror sababi
result-heading = Natija
download-result = Yuklab olish: { $name } ({ $size } KB)
history-heading = Tarix
your-answers = Javoblaringiz
pinfl-label = JShShIR
status-draft = Qoralama
status-submitted = Yuborilgan
status-in-review = Koʻrib chiqilmoqda
status-returned = Tuzatish uchun qaytarilgan
status-approved = Maʼqullangan
status-rejected = Rad etilgan
holder-applicant = Siz: ariza sizning harakatingizni kutmoqda
holder-agency = { $agency }: xodim tomonidan koʻrib chiqilishini kutmoqda
holder-officer = { $officer }, { $agency }
holder-closed = Hech kimda: qaror qabul qilingan
action-create = Ariza toʻldirish boshlandi
action-submit = Ariza yuborildi
action-resubmit = Tuzatilgan ariza yuborildi
action-take = Koʻrib chiqishga olindi
action-approve = Maʼqullandi
action-reject = Rad etildi
action-return = Tuzatish uchun qaytarildi
actor-applicant = Ariza beruvchi
actor-officer = Xodim

## Oylar (sanadan keyingi shakl, masalan: «27 noyabr 2026»)
month-1 = yanvar
month-2 = fevral
month-3 = mart
month-4 = aprel
month-5 = may
month-6 = iyun
month-7 = iyul
month-8 = avgust
month-9 = sentabr
month-10 = oktabr
month-11 = noyabr
month-12 = dekabr

## Tizimga kirish
sign-in-title = Kirish
sign-in-demo-warning = Namoyish uchun identifikatsiya provayderi: tizimga kirish uchun oʻylab topilgan shaxslardan birini tanlang. Haqiqiy tizimda foydalanuvchilar OneID orqali kiradi.
sign-in-citizens = Fuqarolar
sign-in-officers = Idora xodimlari
sign-in-admins = Elektron hukumat markazi
sign-in-button = Kirish

## Xodimlar uchun
staff-title = Koʻrib chiqiladigan arizalar
staff-search = Ariza raqami yoki JShShIR
staff-overdue-only = Faqat muddati oʻtganlar
staff-count = { $count ->
    [one] { $count } ta ariza
   *[other] { $count } ta ariza
}
staff-empty = Mos arizalar topilmadi.
take-button = Koʻrib chiqishga olish
decision-heading = Qaror
decision-label = Qaroringiz qanday?
decision-approve = Maʼqullash va natijani berish
decision-return = Tuzatish uchun ariza beruvchiga qaytarish
decision-reject = Rad etish
decision-comment = Ariza beruvchi uchun sabab yoki izoh
decision-comment-hint = Rad etganda yoki qaytarganda toʻldirish majburiy. Ariza beruvchi uni koʻradi.
decision-result-file = Natija hujjati (ixtiyoriy)
decision-result-hint = PDF fayl. Agar hech narsa biriktirmasangiz, natija hujjatini platformaning oʻzi shakllantiradi.
decision-button = Qarorni qayd etish
decision-choose = Qarorni tanlang
incident-recorded = Qaror saqlandi, lekin jarayon davom eta olmadi ({ $when }). Bu hodisa sifatida qayd etildi va administratorni kutmoqda; sizdan hech narsa talab qilinmaydi.
decision-reason-required = Sababni kiriting: ariza beruvchi sababini bilishi kerak
decision-result-pdf = Natija hujjati hajmi 10 MB dan kichik PDF fayl boʻlishi kerak
decision-not-allowed = Bu qarorni endi qabul qilib boʻlmaydi: ariza oʻzgargan. Uning holatini tekshiring.
documents-heading = Hujjatlar

## Boshqaruv
admin-title = Xizmatlar reyestri
admin-version = Reyestr versiyasi: { $version }.
admin-services = Xizmatlar
admin-agencies = Idoralar
admin-calendar = Ish kunlari taqvimi
admin-code = Kod
admin-service-version = Versiya
admin-year = Yil
admin-holidays = Bayram kunlari
admin-days-off = Qoʻshimcha dam olish kunlari
admin-working-days = Koʻchirilgan ish kunlari
admin-provisional = Dastlabki

## API sahifasi
api-title = Yagona API
api-intro = HTTPS orqali JSON. Xatolar RFC 9457 formatidagi muammo hujjatlari sifatida qaytariladi. Mashina oʻqiy oladigan tavsif manzili:
api-parameters = Parametrlar
api-responses = Javoblar
api-name = Nomi
api-in = Joylashuvi
api-description = Tavsif
api-status = Status kodi
api-schemas = Sxemalar

## Xato sahifalari
error-not-found-title = Sahifa topilmadi
error-not-found-text = Agar manzilni oʻzingiz kiritgan boʻlsangiz, uning toʻgʻriligini tekshiring. Agar arizaga havola orqali kelgan boʻlsangiz, u boshqa shaxsga tegishli boʻlishi mumkin.
error-forbidden-title = Siz bu sahifani ocha olmaysiz
error-forbidden-text = Hisobingiz bu sahifaga kirish huquqini bermaydi.
error-csrf-title = Shaklning amal qilish muddati tugadi
error-csrf-text = Xavfsizlik maqsadida shakl qabul qilinmadi. Orqaga qayting, sahifani yangilang va qaytadan urinib koʻring.
error-bad-request-title = Soʻrovni oʻqib boʻlmadi
error-bad-request-text = Orqaga qayting va qaytadan urinib koʻring.
error-too-large-title = Fayl juda katta
error-too-large-text = Orqaga qayting va kichikroq fayl tanlang.
error-conflict-title = Bu orada kimdir maʼlumotlarni oʻzgartirdi
error-conflict-text = Orqaga qayting, sahifani yangilang va qaytadan urinib koʻring.
error-internal-title = Kechirasiz, xizmatda nosozlik yuz berdi
error-internal-text = Keyinroq qayta urinib koʻring. Saqlangan javoblaringiz oʻchib ketmaydi.

## Processes and tasks
action-release = Navbatga qaytarildi
action-issue-result = Natija hujjati rasmiylashtirildi
action-escalate = Muddat oʻtdi: boʻlim boshligʻiga yetkazildi
action-notify = Xabarnoma yuborildi
actor-system = Platforma
current-step-label = Joriy bosqich
inbox-show = Koʻrsatish
inbox-mine = Menga biriktirilgan
inbox-unassigned = Biriktirilmagan
inbox-you = Siz
inbox-count = { $count ->
   *[other] { $count } ta vazifa
}
inbox-empty = Mos vazifalar yoʻq.
task-label = Vazifa
assignee-label = Ijrochi
release-button = Navbatga qaytarish
task-taken-by = Bu vazifa bilan { $name } shugʻullanmoqda.
task-form-invalid = Ushbu vazifa boʻyicha kiritganlaringizni tekshiring
checks-heading = Platforma tekshiruvlari
diagram-heading = Jarayon
diagram-title = «{ $service }» xizmatining jarayoni
diagram-legend = Yashil: oʻtilgan bosqichlar. Koʻk, qalin chiziq: ariza hozir qayerda.

# Idoralararo axborot almashinuvi (administratorlar)
exchange-title = Idoralararo axborot almashinuvi
exchange-intro = Ishtirokchilar, ularning axborot tizimlari va ular taqdim etadigan servislar, shuningdek kim nimani chaqira olishi. Bu yerda ruxsat berilmagan hamma narsa rad etiladi.
exchange-calls-only = Bu tizim servislarni chaqiradi, oʻzi servis taqdim etmaydi.
exchange-nodes-title = Almashinuv tugunlari
exchange-node = Tugun
exchange-node-address = Manzil (oʻzaro TLS)
exchange-node-key = Ochiq kalit
exchange-hosted-on = { $node } tugunida
exchange-room = Nashr/obuna xonasi (tugunning oʻzi javob beradi)
exchange-base-url = Servis manzili
exchange-timeout = Javobni eng uzoq kutish vaqti
exchange-rights = Kim chaqira oladi
exchange-grantee = Kim chaqira oladi
exchange-method = Usul
exchange-path = Yoʻl
exchange-any-method = istalgan usul
exchange-no-rights = Bu servisni hech kim chaqira olmaydi.
exchange-revoke = Bekor qilish
exchange-grant-title = Huquq berish
exchange-grant = Berish
exchange-service = Servis
exchange-choose = Tanlang…
exchange-path-hint = * yoʻlning bir qismiga, ** bir nechta qismiga mos keladi; /** — butun servis.
exchange-error-service = Huquq qaysi servisga tegishli ekanini tanlang
exchange-error-grantee = Chaqirishga ruxsat beriladigan tizim yoki guruhni tanlang
exchange-error-method = Usulni tanlang
exchange-error-path = / bilan boshlanadigan va boʻsh joysiz yoʻlni kiriting, masalan /v1/persons/*
exchange-traffic-title = Kim kimni chaqiradi
exchange-traffic-intro = Almashinuv shlyuzi orqali idoralar oʻrtasidagi chaqiruvlar xabarlar jurnalidan: qancha, qanchasi xato bilan tugagan va taqdim etuvchilar qancha tez javob bergan.
exchange-traffic-caption = { $from } dan { $to } gacha
exchange-from = Dan
exchange-to = Gacha
exchange-show = Koʻrsatish
exchange-caller = Chaqiruvchi
exchange-provider = Taqdim etuvchi
exchange-calls = Chaqiruvlar
exchange-errors = Xato bilan
exchange-no-traffic = Bu davrda almashinuv boʻlmagan.
exchange-error-date = Sanani kiriting, masalan 2026-11-27
exchange-error-period = Davr oxiri uning boshidan oldin boʻlishi mumkin emas

# Bir martalik kiritish: davlat reyestrlaridagi maʼlumotlar
prefill-source = Quyidagi maʼlumotlar asosida toʻldirildi: { $source }. Notoʻgʻri boʻlsa, tuzating.
facts-heading = Davlat reyestrlari nima xabar berdi
facts-intro = Buni sizdan qayta soʻramaslik uchun ushbu reyestrlarga idoralararo almashinuv orqali soʻrov yubordik. Biror narsa notoʻgʻri boʻlsa, reyestrni yurituvchi idoraga murojaat qiling.
facts-fetched = Soʻralgan vaqt: { $when }

# The single contact point: appeals
nav-appeals = Murojaatlar
nav-my-appeals = Murojaatlarim
nav-contact = Savol yoki shikoyat
sign-in-operators = Aloqa markazi operatorlari
period-from = Dan
period-to = Gacha
appeal-kind-inquiry = Ariza
appeal-kind-complaint = Shikoyat
appeal-kind-proposal = Taklif
appeal-status-received = Qabul qilindi
appeal-status-assigned = Idoraga yuborildi
appeal-status-in-progress = Koʻrib chiqilmoqda
appeal-status-answered = Javob berildi
appeal-status-closed = Yopildi
appeal-status-reopened = Qayta ochildi
appeal-channel-label = Kanal
appeal-channel-portal = Portal
appeal-channel-phone = Telefon qoʻngʻirogʻi
appeal-channel-open311 = Open311
appeal-contact-centre = Milliy aloqa markazi
appeal-field-kind = Murojaat turi
appeal-field-service = Qaysi xizmat haqida?
appeal-field-topic = Yoki qaysi mavzu?
appeal-field-subject = Mavzu
appeal-field-body = Murojaat matni
appeal-field-application_ref = Ariza raqami
appeal-field-name = F. I. Sh.
appeal-field-pinfl = Qoʻngʻiroq qiluvchining JShShIR
appeal-field-phone = Telefon raqami
appeal-field-email = Elektron pochta
appeal-field-needs_checking = Qoʻshimcha oʻrganish yoki tekshirish talab etiladi (15 kun oʻrniga bir oy)
appeal-field-kb = Bilimlar bazasidan javob
appeal-field-answer = Yoki siz bergan javob
appeal-field-reply = Javob
appeal-field-note = Izoh
appeal-field-reason = Sabab
appeal-field-agency = Idora
appeal-field-into = Murojaat raqami
appeal-field-rating = Baho
appeal-field-comment = Izoh
appeal-field-lat = Kenglik
appeal-field-long = Uzunlik
appeal-field-address = Manzil
appeal-hint-service = Agar murojaat bitta xizmat haqida boʻlmasa, boʻsh qoldiring.
appeal-hint-body = 4000 belgigacha. Nima boʻlganini va nimani soʻrayotganingizni yozing.
appeal-hint-application_ref = Agar murojaat ariza haqida boʻlsa, masalan YG-7K4M-X9QA.
appeal-hint-phone = Telefon yoki elektron pochtani kiriting: javob shu yerga keladi va murojaatni kuzatish uchun kerak boʻladi.
appeal-hint-tracking = Tasdiqnomadagidek, masalan MR-7K4M-X9QA.
appeal-hint-check = Yuborishda koʻrsatgan telefon raqamingiz yoki elektron pochtangiz.
appeal-problem-required = Kiriting: { $field }
appeal-problem-too-long = Juda uzun: { $field }
appeal-problem-phone = Telefon raqamini kiriting, masalan +998 90 123 45 67
appeal-problem-email = Elektron pochta manzilini kiriting, masalan name@example.uz
appeal-problem-need-contact = Sizga javob berishimiz uchun telefon yoki elektron pochtani kiriting
appeal-problem-service = Roʻyxatdan xizmatni tanlang
appeal-problem-topic = Roʻyxatdan mavzuni tanlang
appeal-problem-agency = Roʻyxatdan idorani tanlang
appeal-problem-range = Notoʻgʻri qiymat: { $field }
appeal-problem-same-agency = Murojaat allaqachon shu idorada
appeal-problem-invalid = Tekshiring: { $field }
appeal-new-title = Savol berish, shikoyat yoki taklif
appeal-new-lead = Yagona aloqa markazi har qanday davlat xizmati boʻyicha javob beradi. Qonunga koʻra murojaatingiz 15 kun ichida, qoʻshimcha tekshirish kerak boʻlsa — bir oy ichida koʻrib chiqiladi.
appeal-send = Yuborish
appeal-record = Qoʻngʻiroqni qayd etish
appeal-call-title = Qoʻngʻiroqni yozish
appeal-first-contact-heading = Qoʻngʻiroq paytida javob berildimi?
appeal-first-contact-lead = Agar darhol javob bergan boʻlsangiz, javobni tanlang yoki yozing: murojaat birinchi aloqada hal qilingan deb belgilanadi.
appeal-first-contact = Birinchi aloqada hal qilindi
appeal-sent-title = Murojaat yuborildi
appeal-tracking-label = Murojaat raqami
appeal-sent-holder = Hozir u quyidagida: { $agency }.
appeal-sent-deadline = Javob { $date } dan kechiktirmay beriladi.
appeal-sent-keep = Murojaat raqamini saqlang. U va koʻrsatgan telefon yoki pochtangiz orqali tizimga kirmasdan murojaatni kuzatishingiz mumkin.
appeal-follow = Murojaatni kuzatish
appeal-track-link = Yuborilgan murojaatni kuzatish
appeal-track-title = Murojaatni kuzatish
appeal-track-lead = Murojaat raqamini va koʻrsatgan telefon yoki elektron pochtangizni kiriting.
appeal-check-label = Telefon yoki elektron pochta
appeal-track-button = Murojaatni koʻrsatish
appeal-track-not-found = Bu raqam va telefon yoki pochta bilan murojaat topilmadi. Ikkalasini tekshiring.
appeal-heading = { $tracking } murojaat
appeal-about-label = Nima haqida
appeal-address-label = Manzil
appeal-extended = uzaytirilgan
appeal-rating-label = Baho
appeal-merged-label = Birlashtirildi
appeal-internal = ichki
appeal-none = Murojaatlar yoʻq.
appeal-rate-heading = Javobni baholang
appeal-rating-5 = 5 — aʼlo
appeal-rating-4 = 4 — yaxshi
appeal-rating-3 = 3 — qoniqarli
appeal-rating-2 = 2 — yomon
appeal-rating-1 = 1 — juda yomon
appeal-rate-comment = Izoh
appeal-rate-button = Bahoni yuborish
appeal-rated = Rahmat: bahoingiz qayd etildi, murojaat yopildi.
appeal-reopen-heading = Hal boʻlmadimi? Murojaatni qayta oching
appeal-reopen-hint = Javobdan keyin 30 kun ichida. Nima hal boʻlmaganini yozing.
appeal-reopen-button = Qayta ochish
appeal-reopened = Murojaat qayta ochildi va yangi muddat belgilandi.
appeal-reopen-over = Qayta ochish uchun 30 kun oʻtdi: yangi murojaat yuboring.
appeal-due-soon = Muddati yaqin
appeal-queue-title = Murojaatlar
appeal-search = Qidirish
appeal-search-hint = Raqam, JShShIR, telefon yoki pochta
appeal-open-only = Javob kutilmoqda
appeal-escalated-only = Faqat muddati yaqin yoki oʻtganlar
appeal-escalated-count = { $count ->
   *[other] { $count } ta murojaatning muddati yaqin yoki oʻtgan
}
appeal-count = { $count ->
   *[other] { $count } ta murojaat
}
appeal-applicant-heading = Murojaat etuvchi
appeal-knowledge-heading = Bilimlar bazasi
appeal-send-this-answer = Shu javobni yuborish
appeal-reply-heading = Murojaat etuvchiga javob
appeal-reply-label = Javob (murojaat etuvchi koʻradi)
appeal-reply-button = Javobni yuborish
appeal-note-heading = Ichki izoh
appeal-note-label = Izoh (faqat xodimlar uchun)
appeal-note-button = Izoh qoʻshish
appeal-assign-heading = Idoraga yuborish
appeal-assign-button = Yuborish
appeal-forward-heading = Vakolatli idoraga yuborish
appeal-forward-reason = Sababi (murojaat etuvchiga xabar qilinadi)
appeal-forward-button = Yuborish
appeal-to-agency = Idora
appeal-extend-heading = Muddatni bir oyga uzaytirish
appeal-extend-reason = Nima uchun qoʻshimcha oʻrganish kerak (murojaat etuvchiga xabar qilinadi)
appeal-extend-button = Uzaytirish
appeal-already-extended = Muddat allaqachon bir marta uzaytirilgan; qonun boshqa ruxsat bermaydi.
appeal-merge-heading = Boshqa murojaatning takrorimi?
appeal-merge-into = Qoladigan murojaat raqami
appeal-merge-button = Birlashtirish
appeal-close-button = Murojaatni yopish
appeal-event-received = Qabul qilindi
appeal-event-routed = Yuborildi: { $agency }
appeal-event-taken = Koʻrib chiqishga olindi
appeal-event-replied = Javob
appeal-event-noted = Izoh
appeal-event-forwarded = Yuborildi: { $agency }
appeal-event-extended = Muddat bir oyga uzaytirildi
appeal-event-merged = Boshqa murojaat bilan birlashtirildi
appeal-event-merged-from = Bu murojaatga takror murojaat birlashtirildi
appeal-event-rated = Javob baholandi
appeal-event-reopened = Qayta ochildi
appeal-event-closed = Yopildi
appeal-period-invalid = Sanalarni kiriting, masalan 2026-11-27; boshlanishi oxiridan keyin boʻlmasin
appeal-figures-title = Murojaatlar raqamlarda
appeal-figures-lead = { $from } dan { $to } gacha kelib tushgan murojaatlar.
appeal-figures-by-agency = Idoralar boʻyicha
appeal-figures-by-service = Xizmatlar boʻyicha
appeal-figures-who = Idora yoki xizmat
appeal-figures-total = Barcha idoralar
appeal-figures-appeals = Murojaatlar
appeal-figures-on-time = Muddatida javob
appeal-figures-first-contact = Birinchi aloqada hal qilindi
appeal-figures-rating = Oʻrtacha baho
appeal-figures-notes = «Muddatida javob» — qonuniy muddatgacha berilgan javoblarning barcha javoblar va muddati oʻtgan ochiq murojaatlarga nisbati. «Birinchi aloqada hal qilindi» — operator birinchi qoʻngʻiroqda bergan javoblar. Birlashtirilgan takrorlar hisobga olinmaydi.
appeal-holder-label = Hozir kimda
appeal-due-label = Javob muddati
passport-questions-heading = Koʻp beriladigan savollar
passport-ask = Bu xizmat haqida savol berish yoki shikoyat qilish
appeal-problem-required-kind = Ariza, shikoyat yoki taklif ekanini tanlang
appeal-problem-required-subject = Mavzuni kiriting
appeal-problem-required-body = Murojaat matnini yozing
appeal-problem-required-name = Familiya, ism va otangizning ismini kiriting
appeal-problem-required-reply = Javobni yozing
appeal-problem-required-note = Izohni yozing
appeal-problem-required-reason = Sababini yozing
appeal-problem-required-kb = Bilimlar bazasidan javobni tanlang
appeal-problem-range-rating = 1 dan 5 gacha baho tanlang
appeal-track-locked = Bu raqam uchun notoʻgʻri urinishlar juda koʻp. Bir soatdan keyin urinib koʻring yoki aloqa markaziga qoʻngʻiroq qiling.

incidents-title = Hodisalar
incidents-intro = Xizmat jarayoni o‘zi davom eta olmagan joylar: javob bermagan shart, xato bergan qaror, urinishlari tugagan topshiriq. O‘zgaruvchilarni tuzating va qayta urinib ko‘ring.
incidents-open = Ochiq: { $count }
incidents-none = Ochiq hodisalar yo‘q.
incidents-when = Qayd etilgan
incidents-application = Ariza
incidents-where = Jarayon va element
incidents-message = Nima yuz berdi
incidents-caused-by = Qadamdan keyin: { $who }
incidents-caused-by-label = Qadamdan keyin
incident-title = Hodisa
incident-diagram-legend = Qizil rangdagi element — jarayon to‘xtagan joy.
incident-variables = Jarayon o‘zgaruvchilari
incident-variables-hint = JSON obyekti. O‘zgartirilgan va qo‘shilgan o‘zgaruvchilar saqlanadi; so‘ng hodisa yuz bergan qadam qayta bajariladi.
incident-variables-invalid = O‘zgaruvchilarni JSON obyekti sifatida kiriting, masalan {"{"} "amount": 5000 {"}"}
incident-retry = Saqlash va qayta urinish
incident-save = Faqat o‘zgaruvchilarni saqlash

# Sign-in through providers
sign-in-with-provider = Quyidagi xizmatlardan biridagi hisobingiz bilan kiring. Soʻngra shu yerga qaytasiz.
sign-in-demo-heading = Namuna foydalanuvchilar
sign-in-failed-title = Siz tizimga kirmadingiz
sign-in-failed-nothing = Hech narsa oʻzgarmadi va siz tizimga kirmadingiz.
sign-in-failed-again = Qayta kirib koʻring
sign-in-failed-unknown = Bunday kirish usuli yoʻq.
sign-in-failed-state = Bu kirish havolasi allaqachon ishlatilgan yoki eskirgan. Kirish havolasi bir marta, 10 daqiqa ichida ishlaydi.
sign-in-failed-refused = Kirish xizmati sizni tizimga kiritmadi (bekor qilindi yoki rad etildi).
sign-in-failed-unreachable = Kirish xizmati hozir javob bermayapti. Bir necha daqiqadan soʻng qayta urinib koʻring.
sign-in-failed-invalid = Kirish xizmatining javobiga ishonib boʻlmadi, shuning uchun u qabul qilinmadi.
sign-in-failed-not-allowed = Bu xizmatdagi hisobingizdan bu yerda foydalanib boʻlmaydi: u shaxsiy identifikatsiya raqamingizni (JShShIR) bermaydi.
sign-in-failed-internal = Bizning tomonda xatolik yuz berdi.
sign-in-level = Oʻzingizni qanday tasdiqladingiz?
sign-in-level-password = Parol
sign-in-level-otp = Parol va bir martalik kod
sign-in-level-e-signature = Elektron raqamli imzo kaliti
passport-assurance = Kirish usuli
sign-in-failed-too-weak = Bu xizmat siz foydalangan usuldan ishonchliroq kirishni talab qiladi. U soʻragan usul bilan qayta kiring.

# Staff roles (administrators)
roles-title = Xodimlar rollari
roles-intro = Kirish xizmatlari aytganidan tashqari, Elektron hukumat markazi qarori bilan kim idora xodimi, aloqa markazi operatori yoki administrator ekanligi. Bu yerda berilgan rol darhol va har safar tizimga kirganda amal qiladi; olib qoʻyilgan rol shaxsning seanslarini tugatadi. Har bir oʻzgarish quyida saqlanadi.
roles-current = Bu yerda berilgan rollar
roles-role = Rol
roles-role-officer = Idora xodimi
roles-role-operator = Aloqa markazi operatori
roles-role-admin = Administrator
roles-by = Kim bergan
roles-withdraw = Olib qoʻyish
roles-none = Bu yerda hali rol berilmagan.
roles-grant = Rol berish
roles-agency-hint = Idora xodimi uchun: u ishlaydigan idora.
roles-grant-button = Rolni berish
roles-audit = Oʻzgarishlar
roles-when = Qachon
roles-change = Oʻzgarish
roles-change-granted = Berildi
roles-change-withdrawn = Olib qoʻyildi
roles-no-changes = Hali oʻzgarish yoʻq.
roles-error-pinfl = Shaxsning JShShIRini kiriting: 14 ta raqam
roles-error-role = Rolni tanlang
roles-error-agency = Xodimning idorasini tanlang

## Toʻlovlar
fee-heading = Toʻlov
fee-invoice-label = Hisob-faktura raqami
fee-amount-label = Summa
fee-status-label = Toʻlov holati
fee-status-unpaid = Toʻlanmagan
fee-status-pending = Toʻlov jarayonida
fee-status-paid = Toʻlangan
fee-status-cancelled = Bekor qilingan
fee-status-refunded = Qaytarilgan
fee-paid-label = Toʻlangan sana
fee-paid-on = { $date }, { $provider } orqali
fee-pay-by-label = Toʻlash muddati
fee-refund-allowed = Ariza rad etilgan yoki yopilgan, shuning uchun toʻlov siz toʻlagan karta yoki hisobga qaytariladi.
fee-pending-text = Ushbu hisob-faktura boʻyicha toʻlov boshlangan. Agar toʻlov sahifasidan chiqib ketgan boʻlsangiz, bir necha daqiqa kuting va sahifani yangilang.
fee-pay-intro = Toʻlov amalga oshirilgach, arizangiz idoraga yuboriladi. Siz toʻlov tizimining oʻz sahifasida toʻlaysiz, soʻng shu yerga qaytasiz.
fee-pay-with = { $provider } orqali toʻlash
fee-pay-in-person = Hozirda onlayn toʻlov mavjud emas. Hisob-faktura raqami bilan bankda yoki davlat xizmatlari markazida toʻlang.
fee-after-submit = Arizani yuborganingizda shu summaga hisob-faktura olasiz va uni Payme yoki Click orqali onlayn toʻlaysiz. Toʻlovdan soʻng ariza idoraga yuboriladi.
fee-next = Toʻlovni hozir amalga oshiring: toʻlovdan soʻng arizangiz idoraga yuboriladi. Koʻrsatilgan sanagacha toʻlanmasa, ariza yopiladi.
action-pay-fee = Toʻlov qabul qilindi
action-refund-fee = Toʻlov qaytarildi
fee-unpaid-closed = Toʻlov muddatida amalga oshirilmagani sababli ariza yopildi. Qaytadan ariza berishingiz mumkin.

## Toʻlovlar: Elektron hukumat markazi sahifasi
payments-admin-title = Toʻlovlar
payments-admin-intro = Payme va Click orqali toʻlangan yigʻimlar: soʻnggi yetti kunning hisob-fakturalari hamda toʻlov tizimining bir kunlik koʻchirmasini Yagona yozuvlari bilan solishtirish.
payments-admin-summary = Soʻnggi yetti kun (Toshkent vaqti)
payments-admin-day = Kun
payments-admin-issued = Berilgan hisob-fakturalar
payments-admin-paid = Toʻlangan
payments-admin-paid-total = Jami toʻlangan
payments-admin-refunded = Qaytarilgan
payments-admin-cancelled = Bekor qilingan
payments-admin-total = Yetti kun jami
payments-admin-reconcile = Koʻchirmani tekshirish
payments-admin-reconcile-intro = Toʻlov tizimi kabinetidan olingan bir kunlik koʻchirmani (CSV fayl) yuklang. Undagi har bir tranzaksiya Yagonaning shu kungi yozuvlari bilan solishtiriladi va har bir farq koʻrsatiladi. Hech narsa oʻzgartirilmaydi.
payments-admin-provider = Toʻlov tizimi
payments-admin-date = Koʻchirma kuni
payments-admin-date-hint = Toshkent vaqti, masalan 27 11 2026
payments-admin-date-day = Kun
payments-admin-date-month = Oy
payments-admin-date-year = Yil
payments-admin-statement = Koʻchirma
payments-admin-statement-hint = Sarlavha qatori boʻlgan, har qatorida bitta tranzaksiya yozilgan CSV fayl.
payments-admin-button = Koʻchirmani tekshirish
payments-admin-error-provider = Toʻlov tizimini tanlang
payments-admin-error-date = Koʻchirma kunini haqiqiy sana sifatida kiriting, masalan 27 11 2026
payments-admin-error-date-future = Koʻchirma kuni bugun yoki undan oldingi kun boʻlishi kerak
payments-admin-error-statement = Koʻchirma faylini tanlang
payments-admin-error-empty = Koʻchirma fayli boʻsh
payments-admin-error-encoding = Koʻchirma UTF-8 kodlashdagi CSV matn fayli boʻlishi kerak
payments-admin-error-line = Koʻchirmaning { $line }-qatorini oʻqib boʻlmadi: { $reason }
payments-admin-result = { $provider } koʻchirmasi, { $date }
payments-admin-matched = Mos kelgan tranzaksiyalar
payments-admin-differences = Farqlar
payments-admin-agree = Koʻchirma va Yagona yozuvlari bir-biriga mos keladi.
payments-admin-kind = Farq
payments-admin-provider-id = Toʻlov tizimidagi tranzaksiya
payments-admin-invoice = Hisob-faktura
payments-admin-in-yagona = Yagonada
payments-admin-at-provider = Toʻlov tizimida
payments-admin-kind-missing-in-yagona = Yagona yozuvlarida yoʻq
payments-admin-kind-missing-at-provider = Koʻchirmada yoʻq
payments-admin-kind-amount-mismatch = Summalar farq qiladi
payments-admin-kind-standing-mismatch = Holatlar farq qiladi
payments-admin-kind-invoice-mismatch = Hisob-fakturalar farq qiladi
payments-admin-standing-open = Boshlangan, toʻlanmagan
payments-admin-standing-paid = Toʻlangan
payments-admin-standing-cancelled = Bekor qilingan
payments-admin-standing-refunded = Qaytarilgan
payments-admin-refunds = Qaytariladigan toʻlovlar
payments-admin-application = Ariza
payments-admin-amount = Summa
payments-admin-refunds-how = Bu arizalar rad etilgan va ularning xizmatlari toʻlovni qaytaradi. Payme: tranzaksiyani Payme Business’da (kassa tranzaksiyalari) bekor qiling; Yagona Payme’ning bekor qilishini qabul qiladi va qaytarishni qayd etadi. Click: Yagona Click’dan toʻlovni qaytarishni har daqiqada soʻraydi; bu yerda hali koʻrinayotgani Click tomonidan rad etilgan — tugun jurnaliga qarang.
