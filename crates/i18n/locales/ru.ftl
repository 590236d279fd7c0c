# Тексты интерфейса Yagona — русский язык.
# Идентификаторы сообщений одинаковы во всех четырёх файлах; `cargo test -p yagona-i18n` проверяет, что в каждом файле есть все идентификаторы.

## Каркас страницы
skip-to-content = Перейти к основному содержанию
demo-tag = Демо
demo-banner = Это демонстрационная версия Yagona. Для входа используются вымышленные люди; ничего из того, что вы здесь делаете, не попадает в настоящее ведомство.
demo-banner-label = Предупреждение о демонстрационном режиме
language-switcher = Язык
nav-label = Навигация по сайту
nav-menu = Меню
nav-services = Услуги
nav-my-applications = Мои заявки
nav-staff = Заявки на рассмотрение
nav-admin = Реестр
nav-sign-in = Войти
nav-sign-out = Выйти
footer-heading = Полезные ссылки
footer-api = API для разработчиков
footer-licences = Лицензии
footer-text = Yagona — платформа для государственных услуг с открытым исходным кодом.
back = Назад
go-home = На главную страницу
optional = (необязательно)
warning = Внимание
answer-yes = Да
answer-no = Нет

## Главная страница и каталог
home-title = Госуслуги онлайн
home-heading = Государственные услуги онлайн
home-lead = { $count ->
    [one] На портале { $count } государственная услуга. Найдите нужную, подайте заявку онлайн и следите за ней до получения результата.
    [few] На портале { $count } государственные услуги. Найдите нужную, подайте заявку онлайн и следите за ней до получения результата.
    [many] На портале { $count } государственных услуг. Найдите нужную, подайте заявку онлайн и следите за ней до получения результата.
   *[other] На портале { $count } государственной услуги. Найдите нужную, подайте заявку онлайн и следите за ней до получения результата.
}
search-label = Поиск услуги
search-hint = Пишите на любом языке, латиницей или кириллицей, например: «паспорт», «tugʻilish» или «birth».
search-button = Найти
life-events-heading = Услуги по жизненным ситуациям
popular-heading = Услуги
all-services-link = Все услуги
services-count = { $count ->
    [one] { $count } услуга
    [few] { $count } услуги
    [many] { $count } услуг
   *[other] { $count } услуги
}
catalogue-title = Каталог государственных услуг
search-results-title = Результаты поиска по запросу «{ $query }»
services-found = { $count ->
    [0] Услуги не найдены
    [one] Найдена { $count } услуга
    [few] Найдено { $count } услуги
    [many] Найдено { $count } услуг
   *[other] Найдено { $count } услуги
}
no-results = Проверьте написание или попробуйте другие слова. Услуги также можно найти по жизненным ситуациям.
search-did-you-mean = Возможно, вы имели в виду: { $suggestion }?
filter-life-event = Жизненная ситуация
filter-agency = Ведомство
filter-all = Все
filter-apply = Применить фильтры

## Паспорт услуги
back-to-catalogue = Все услуги
passport-fee = Стоимость
passport-deadline = Срок рассмотрения
passport-who = Кто может подать заявку
passport-result = Что вы получите
passport-channels = Где подать заявку
passport-agency = Ответственное ведомство
passport-legal-basis = Правовое основание
passport-documents = Необходимые документы
passport-no-documents = Документы не требуются.
passport-life-events = Жизненные ситуации
passport-offline = Онлайн подать заявку на эту услугу пока нельзя. Обратитесь одним из указанных выше способов.
start-now = Начать
start-sign-in-note = Сначала нужно будет войти в систему.
fee-free = Бесплатно
fee-amount = { $amount } сум
fee-bhm = { $amount } сум ({ $multiple } × БРВ)
fee-unknown = Зависит от действующей базовой расчётной величины
working-days = { $count ->
    [one] { $count } рабочий день
    [few] { $count } рабочих дня
    [many] { $count } рабочих дней
   *[other] { $count } рабочего дня
}
channel-online = Онлайн на этом портале
channel-public-service-centre = Центр государственных услуг
channel-agency-office = В офисе ведомства
channel-mobile-app = Мобильное приложение
channel-post = По почте

## Подача заявки
step-of = Шаг { $number } из { $total }
save-continue = Сохранить и продолжить
save-draft = Сохранить как черновик
select-placeholder = Выберите…
file-current = Загружен файл: { $name }. Чтобы заменить его, выберите другой файл.
file-limits = { $types }, не более { $size } МБ.
file-choose = Выберите файл
file-none-chosen = Файл не выбран
file-drop = или перетащите его сюда
file-entered-drop-zone = Вы в области, куда можно перетащить файл
file-left-drop-zone = Вы покинули область, куда можно перетащить файл
reference-label = Номер заявки
check-title = Проверьте ответы перед отправкой заявки
not-answered = Не заполнено
change = Изменить
declaration-heading = Теперь отправьте заявку
declaration-text = Отправляя заявку, вы подтверждаете, что, насколько вам известно, указанные вами сведения верны.
submit-button = Подтвердить и отправить
resubmit-button = Отправить исправленную заявку
confirmation-title = Заявка отправлена
confirmation-reference = Номер вашей заявки
confirmation-service = Ваша заявка на услугу «{ $service }» направлена в ответственное ведомство.
what-next = Что дальше
confirmation-next = { $holder }. Каждый этап можно отслеживать на странице заявки.
confirmation-due = Ведомство обязано принять решение до { $date } (срок по закону — { $deadline }).
follow-application = Отслеживать заявку

## Ошибки в формах
error-title-prefix = Ошибка
error-summary-title = Обнаружена ошибка
error-required = Заполните поле «{ $label }»
error-choose = Выберите вариант в поле «{ $label }»
error-upload = Загрузите файл в поле «{ $label }»
error-confirm = Подтвердите: { $label }
error-min-length = { $limit ->
    [one] Поле «{ $label }» должно содержать не менее { $limit } символа
    [few] Поле «{ $label }» должно содержать не менее { $limit } символов
    [many] Поле «{ $label }» должно содержать не менее { $limit } символов
   *[other] Поле «{ $label }» должно содержать не менее { $limit } символов
}
error-max-length = { $limit ->
    [one] Поле «{ $label }» должно содержать не более { $limit } символа
    [few] Поле «{ $label }» должно содержать не более { $limit } символов
    [many] Поле «{ $label }» должно содержать не более { $limit } символов
   *[other] Поле «{ $label }» должно содержать не более { $limit } символов
}
error-minimum = Значение поля «{ $label }» должно быть не меньше { $limit }
error-maximum = Значение поля «{ $label }» должно быть не больше { $limit }
error-pattern = Заполните поле «{ $label }» в правильном формате
error-date = В поле «{ $label }» должна быть существующая дата, например 27 3 2024
error-email = Укажите в поле «{ $label }» адрес электронной почты, например name@example.uz
error-number = В поле «{ $label }» должно быть число
error-invalid = Проверьте поле «{ $label }»
upload-empty = Файл, выбранный в поле «{ $label }», пуст
upload-too-large = Размер файла в поле «{ $label }» должен быть меньше { $limit } МБ
upload-file-too-large = Размер файла должен быть меньше { $limit } МБ
upload-wrong-type = Файл в поле «{ $label }» должен быть в формате PDF, JPG или PNG

## Отслеживание заявок
my-applications-title = Мои заявки
no-applications = У вас пока нет заявок.
find-service = Найти услугу
service-label = Услуга
status-label = Статус
due-label = Срок принятия решения
holder-label = У кого сейчас заявка
submitted-label = Дата отправки
applicant-label = Заявитель
application-heading = Заявка № { $reference }
overdue = Просрочено
saved-title = Сохранено
saved-text = Черновик сохранён. Вернуться к нему можно в любое время в разделе «Мои заявки».
returned-text = Ведомство вернуло вашу заявку на доработку.
correct-button = Исправить заявку
continue-draft = Продолжить заполнение заявки
reject-reason-heading = Причина решения
result-heading = Результат
download-result = Скачать { $name } ({ $size } КБ)
history-heading = История
history-notice = Мы сообщили: { $event } — { $channel } на { $to }, { $status }
history-times = Время ташкентское.
your-answers = Ваши ответы
pinfl-label = ПИНФЛ
status-draft = Черновик
status-submitted = Отправлена
status-in-review = На рассмотрении
status-returned = Возвращена на доработку
status-approved = Одобрена
status-rejected = Отклонена
holder-applicant = Вы: заявка ждёт ваших действий
holder-agency = { $agency }: ожидает рассмотрения сотрудником
holder-officer = { $officer }, { $agency }
holder-closed = Ни у кого: решение принято
action-create = Начато заполнение заявки
action-submit = Заявка отправлена
action-resubmit = Отправлена исправленная заявка
action-take = Принята на рассмотрение
action-approve = Одобрена
action-reject = Отклонена
action-return = Возвращена на доработку
actor-applicant = Заявитель
actor-officer = Сотрудник

## Месяцы (в форме после числа, как в «27 ноября 2026»)
month-1 = января
month-2 = февраля
month-3 = марта
month-4 = апреля
month-5 = мая
month-6 = июня
month-7 = июля
month-8 = августа
month-9 = сентября
month-10 = октября
month-11 = ноября
month-12 = декабря

## Вход
sign-in-title = Вход
sign-in-demo-warning = Демонстрационный провайдер идентификации: чтобы войти, выберите одного из вымышленных людей. В рабочей системе вход выполняется через OneID.
sign-in-citizens = Граждане
sign-in-officers = Сотрудники ведомств
sign-in-admins = Центр электронного правительства
sign-in-button = Войти

## Для сотрудников
staff-title = Заявки на рассмотрение
staff-search = Номер заявки или ПИНФЛ
staff-overdue-only = Только просроченные
staff-count = { $count ->
    [one] { $count } заявка
    [few] { $count } заявки
    [many] { $count } заявок
   *[other] { $count } заявки
}
staff-empty = Подходящих заявок нет.
take-button = Взять на рассмотрение
decision-heading = Решение
decision-label = Какое решение вы принимаете?
decision-approve = Одобрить и выдать результат
decision-return = Вернуть заявителю на доработку
decision-reject = Отклонить
decision-comment = Причина или комментарий для заявителя
decision-comment-hint = Обязательно при отклонении или возврате на доработку. Заявитель увидит этот текст.
decision-result-file = Документ-результат (необязательно)
decision-result-hint = Файл PDF. Если вы ничего не приложите, платформа сама сформирует документ-результат.
decision-button = Зафиксировать решение
decision-choose = Выберите решение
incident-recorded = Решение сохранено, но процесс не смог продолжиться ({ $when }). Это зарегистрировано как инцидент и ожидает администратора; от вас ничего не требуется.
duplicate-yours = Вы уже подали такое заявление: { $reference }. Следите за ним вместо того, чтобы подавать новое.
duplicate-other = Заявление с такими же сведениями уже рассматривается или одобрено. Проверьте ответы. Если они верны, обратитесь в ведомство, оказывающее эту услугу.
duplicate-warning = Возможный дубликат: есть другое действующее или одобренное заявление с теми же сведениями
decision-reason-required = Укажите причину: заявитель должен знать, чем вызвано решение
decision-result-pdf = Документ-результат должен быть файлом PDF размером меньше 10 МБ
decision-not-allowed = Это решение больше невозможно: заявка изменилась. Проверьте её статус.
documents-heading = Документы

## Администрирование
admin-title = Реестр услуг
admin-version = Версия реестра: { $version }.
admin-services = Услуги
admin-agencies = Ведомства
admin-calendar = Календарь рабочих дней
admin-code = Код
admin-service-version = Версия
admin-year = Год
admin-holidays = Праздничные дни
admin-days-off = Дополнительные выходные дни
admin-working-days = Перенесённые рабочие дни
admin-provisional = Предварительный

## Страница API
api-title = Yagona API
api-intro = JSON поверх HTTPS. Ошибки возвращаются в формате RFC 9457 (problem details). Машиночитаемое описание доступно по адресу
api-parameters = Параметры
api-responses = Ответы
api-name = Имя
api-in = Расположение
api-description = Описание
api-status = Код статуса
api-schemas = Схемы

## Страницы ошибок
error-not-found-title = Страница не найдена
error-not-found-text = Если вы вводили адрес вручную, проверьте, правильно ли он написан. Если вы перешли по ссылке на заявку, возможно, она принадлежит другому человеку.
error-forbidden-title = Эта страница вам недоступна
error-forbidden-text = Ваша учётная запись не даёт доступа к этой странице.
error-csrf-title = Срок действия формы истёк
error-csrf-text = В целях безопасности форма не была принята. Вернитесь назад, обновите страницу и попробуйте ещё раз.
error-bad-request-title = Не удалось обработать запрос
error-bad-request-text = Вернитесь назад и попробуйте ещё раз.
error-too-large-title = Файл слишком большой
error-too-large-text = Вернитесь назад и выберите файл меньшего размера.
error-conflict-title = Пока вы работали, кто-то изменил эти данные
error-conflict-text = Вернитесь назад, обновите страницу и попробуйте ещё раз.
error-internal-title = Извините, в работе сервиса произошла ошибка
error-internal-text = Попробуйте позже. Сохранённые ответы не пропадут.
error-too-many-title = С вашего подключения отправляется слишком много форм сразу
error-too-many-text = Дождитесь, пока отправляемые файлы дойдут, затем вернитесь и отправьте эту форму снова. Из этой формы ничего не сохранено.
error-busy-title = Сервис сейчас очень загружен
error-busy-text = Подождите несколько секунд, затем вернитесь и отправьте форму снова. Из этой формы ничего не сохранено.

## Processes and tasks
action-release = Возвращено в очередь
action-issue-result = Выдан итоговый документ
action-escalate = Срок истёк: передано руководителю подразделения
action-notify = Отправлено уведомление
actor-system = Платформа
current-step-label = Текущий этап
inbox-show = Показать
inbox-mine = Назначенные мне
inbox-unassigned = Не назначенные
inbox-you = Вы
inbox-count = { $count ->
    [one] { $count } задача
    [few] { $count } задачи
    [many] { $count } задач
   *[other] { $count } задачи
}
inbox-empty = Нет подходящих задач.
task-label = Задача
assignee-label = Исполнитель
release-button = Вернуть в очередь
task-taken-by = Задачей занимается { $name }.
task-form-invalid = Проверьте, что вы внесли по этой задаче
checks-heading = Проверки платформы
diagram-heading = Процесс
diagram-title = Процесс услуги «{ $service }»
diagram-legend = Зелёным: пройденные этапы. Синим, жирной рамкой: где заявление сейчас.

# Межведомственный обмен (администраторы)
exchange-title = Межведомственный обмен
exchange-intro = Участники, их информационные системы и предоставляемые ими сервисы, а также кто что может вызывать. Всё, что здесь не разрешено, запрещено.
exchange-calls-only = Эта система вызывает сервисы, но сама их не предоставляет.
exchange-nodes-title = Узлы обмена
exchange-node = Узел
exchange-node-address = Адрес (взаимный TLS)
exchange-node-key = Открытый ключ
exchange-hosted-on = на узле { $node }
exchange-room = Комната публикации и подписки (отвечает сам узел)
exchange-base-url = Адрес сервиса
exchange-timeout = Наибольшее время ожидания ответа
exchange-rights = Кто может вызывать
exchange-grantee = Кто может вызывать
exchange-method = Метод
exchange-path = Путь
exchange-any-method = любой метод
exchange-no-rights = Этот сервис никому не разрешён.
exchange-revoke = Отозвать
exchange-grant-title = Выдать право
exchange-grant = Выдать
exchange-service = Сервис
exchange-choose = Выберите…
exchange-path-hint = * соответствует части пути, ** — нескольким частям; /** — весь сервис.
exchange-error-service = Выберите сервис, к которому относится право
exchange-error-grantee = Выберите систему или группу, которой разрешён вызов
exchange-error-method = Выберите метод
exchange-error-path = Введите путь, начинающийся с / и без пробелов, например /v1/persons/*
exchange-traffic-title = Кто кого вызывает
exchange-traffic-intro = Вызовы между ведомствами через шлюз обмена по журналу сообщений: сколько их, сколько завершилось ошибкой и как быстро отвечали поставщики.
exchange-traffic-caption = С { $from } по { $to }
exchange-show = Показать
exchange-caller = Потребитель
exchange-provider = Поставщик
exchange-calls = Вызовы
exchange-errors = С ошибкой
exchange-no-traffic = За этот период обменов не было.
exchange-error-date = Введите дату, например 2026-11-27
exchange-error-period = Конец периода не может быть раньше его начала

# Однократный ввод: сведения из государственных реестров
prefill-source = Заполнено по данным: { $source }. Исправьте, если это неверно.
facts-heading = Что сообщили государственные реестры
facts-intro = Мы запросили эти реестры через межведомственный обмен, чтобы вам не пришлось сообщать это ещё раз. Если что-то неверно, обратитесь в ведомство, которое ведёт реестр.
facts-fetched = Запрошено { $when }

# The single contact point: appeals
nav-appeals = Обращения
nav-my-appeals = Мои обращения
nav-contact = Задать вопрос или пожаловаться
sign-in-operators = Операторы контакт-центра
period-from = Дата начала
period-to = Дата окончания
period-legend = Период
appeal-kind-inquiry = Заявление
appeal-kind-complaint = Жалоба
appeal-kind-proposal = Предложение
appeal-status-received = Получено
appeal-status-assigned = Передано в ведомство
appeal-status-in-progress = Рассматривается
appeal-status-answered = Дан ответ
appeal-status-closed = Закрыто
appeal-status-reopened = Открыто повторно
appeal-channel-label = Канал
appeal-channel-portal = Портал
appeal-channel-phone = Звонок
appeal-channel-open311 = Open311
appeal-contact-centre = Национальный центр коммуникаций
appeal-field-kind = Тип обращения
appeal-field-service = О какой услуге?
appeal-field-topic = Или о какой теме?
appeal-field-subject = Тема
appeal-field-body = Текст обращения
appeal-field-application_ref = Номер заявки
appeal-field-name = Ф. И. О.
appeal-field-pinfl = ПИНФЛ звонящего
appeal-field-phone = Номер телефона
appeal-field-email = Электронная почта
appeal-field-needs_checking = Требует дополнительного изучения или проверки (месяц вместо 15 дней)
appeal-field-kb = Ответ из базы знаний
appeal-field-answer = Или ответ, который вы дали
appeal-field-reply = Ответ
appeal-field-note = Заметка
appeal-field-reason = Причина
appeal-field-agency = Ведомство
appeal-field-into = Номер обращения
appeal-field-rating = Оценка
appeal-field-comment = Комментарий
appeal-field-lat = Широта
appeal-field-long = Долгота
appeal-field-address = Адрес
appeal-hint-service = Оставьте пустым, если обращение не об одной услуге.
appeal-hint-body = До 4000 символов. Опишите, что случилось и о чём вы просите.
appeal-hint-application_ref = Если обращение о заявке, например YG-7K4M-X9QA.
appeal-hint-phone = Укажите телефон или электронную почту: туда придёт ответ, и по ним можно следить за обращением.
appeal-hint-tracking = Как в подтверждении, например MR-7K4M-X9QA.
appeal-hint-check = Телефон или электронная почта, которые вы указали при отправке.
appeal-problem-required = Укажите: { $field }
appeal-problem-too-long = Слишком длинно: { $field }
appeal-problem-phone = Укажите номер телефона, например +998 90 123 45 67
appeal-problem-email = Укажите адрес почты, например name@example.uz
appeal-problem-need-contact = Укажите телефон или электронную почту, чтобы мы могли ответить
appeal-problem-service = Выберите услугу из списка
appeal-problem-topic = Выберите тему из списка
appeal-problem-agency = Выберите ведомство из списка
appeal-problem-range = Недопустимое значение: { $field }
appeal-problem-same-agency = Обращение уже в этом ведомстве
appeal-problem-invalid = Проверьте: { $field }
appeal-new-title = Задать вопрос, пожаловаться или предложить
appeal-new-lead = Единый контактный центр отвечает по любой государственной услуге. По закону обращение рассматривается в течение 15 дней, а если нужна дополнительная проверка, — месяца.
appeal-send = Отправить
appeal-record = Зарегистрировать звонок
appeal-call-title = Записать звонок
appeal-first-contact-heading = Ответили во время звонка?
appeal-first-contact-lead = Если вы ответили сразу, выберите ответ или напишите его: обращение будет отмечено как решённое при первом контакте.
appeal-first-contact = Решено при первом контакте
appeal-sent-title = Обращение отправлено
appeal-tracking-label = Номер обращения
appeal-sent-holder = Сейчас оно у: { $agency }.
appeal-sent-deadline = Ответ будет дан не позднее { $date }.
appeal-sent-keep = Сохраните номер обращения. По нему и телефону или почте, которые вы указали, можно следить за обращением без входа.
appeal-follow = Следить за обращением
appeal-track-link = Следить за отправленным обращением
appeal-track-title = Следить за обращением
appeal-track-lead = Введите номер обращения и телефон или электронную почту, которые вы указали.
appeal-followed = Эту страницу можно добавить в закладки. { $hours ->
    [one] { $hours } час
    [few] { $hours } часа
   *[many] { $hours } часов
} этот браузер будет показывать её, не спрашивая снова телефон или почту.
appeal-track-remember = Это нужно сделать один раз: затем { $hours ->
    [one] { $hours } час
    [few] { $hours } часа
   *[many] { $hours } часов
} этот браузер будет показывать обращение по его собственному адресу, который можно добавить в закладки.
appeal-track-signed-in = Отправляли его, войдя в систему?
appeal-forget-lead = Вы за общим компьютером? Пусть этот браузер снова спрашивает телефон или почту.
appeal-forget-button = Забыть обращение в этом браузере
appeal-check-label = Телефон или электронная почта
appeal-track-button = Показать обращение
appeal-track-not-found = Обращение с таким номером и телефоном или почтой не найдено. Проверьте оба значения.
appeal-heading = Обращение { $tracking }
appeal-about-label = Касается
appeal-address-label = Адрес
appeal-extended = продлён
appeal-rating-label = Оценка
appeal-merged-label = Объединено с
appeal-internal = внутреннее
appeal-none = Обращений нет.
appeal-rate-heading = Оцените ответ
appeal-rating-5 = 5 — отлично
appeal-rating-4 = 4 — хорошо
appeal-rating-3 = 3 — удовлетворительно
appeal-rating-2 = 2 — плохо
appeal-rating-1 = 1 — очень плохо
appeal-rate-comment = Комментарий
appeal-rate-button = Отправить оценку
appeal-rated = Спасибо: оценка учтена, обращение закрыто.
appeal-reopen-heading = Не решено? Откройте обращение снова
appeal-reopen-hint = В течение 30 дней после ответа. Напишите, что осталось нерешённым.
appeal-reopen-button = Открыть снова
appeal-reopened = Обращение открыто снова, срок назначен заново.
appeal-reopen-over = 30 дней для повторного открытия истекли: отправьте новое обращение.
appeal-due-soon = Срок истекает
appeal-queue-title = Обращения
appeal-search = Найти
appeal-search-hint = Номер, ПИНФЛ, телефон или почта
appeal-open-only = Ожидают ответа
appeal-escalated-only = Только со сроком на исходе или просроченные
appeal-escalated-count = { $count ->
    [one] { $count } обращение со сроком на исходе или просрочено
    [few] { $count } обращения со сроком на исходе или просрочены
    [many] { $count } обращений со сроком на исходе или просрочены
   *[other] { $count } обращения со сроком на исходе или просрочены
}
appeal-count = { $count ->
    [one] { $count } обращение
    [few] { $count } обращения
    [many] { $count } обращений
   *[other] { $count } обращения
}
appeal-applicant-heading = Заявитель
appeal-knowledge-heading = База знаний
appeal-send-this-answer = Отправить этот ответ
appeal-reply-heading = Ответить заявителю
appeal-reply-label = Ответ (виден заявителю)
appeal-reply-button = Отправить ответ
appeal-note-heading = Внутренняя заметка
appeal-note-label = Заметка (только для сотрудников)
appeal-note-button = Добавить заметку
appeal-assign-heading = Направить в ведомство
appeal-assign-button = Направить
appeal-forward-heading = Переслать компетентному ведомству
appeal-forward-reason = Причина (сообщается заявителю)
appeal-forward-button = Переслать
appeal-to-agency = Ведомство
appeal-extend-heading = Продлить срок на месяц
appeal-extend-reason = Почему нужно дополнительное изучение (сообщается заявителю)
appeal-extend-button = Продлить
appeal-already-extended = Срок уже продлевался; закон не допускает повторного продления.
appeal-merge-heading = Дубликат другого обращения?
appeal-merge-into = Номер обращения, которое остаётся
appeal-merge-button = Объединить
appeal-close-button = Закрыть обращение
appeal-event-received = Получено
appeal-event-routed = Направлено: { $agency }
appeal-event-taken = Принято к рассмотрению
appeal-event-replied = Ответ
appeal-event-noted = Заметка
appeal-event-forwarded = Переслано: { $agency }
appeal-event-extended = Срок продлён на месяц
appeal-event-merged = Объединено с другим обращением
appeal-event-merged-from = С этим обращением объединён дубликат
appeal-event-rated = Ответ оценён
appeal-event-reopened = Открыто повторно
appeal-event-closed = Закрыто
appeal-period-invalid = Укажите даты, например 2026-11-27; начало не позже конца
appeal-figures-title = Обращения в цифрах
appeal-figures-lead = Обращения, поступившие с { $from } по { $to }.
appeal-figures-by-agency = По ведомствам
appeal-figures-by-service = По услугам
appeal-figures-who = Ведомство или услуга
appeal-figures-total = Все ведомства
appeal-figures-appeals = Обращения
appeal-figures-on-time = Отвечено в срок
appeal-figures-first-contact = Решено при первом контакте
appeal-figures-rating = Средняя оценка
appeal-figures-notes = «Отвечено в срок» — доля ответов, данных до законного срока, среди всех ответов и открытых просроченных обращений. «Решено при первом контакте» — ответы оператора во время первого звонка. Объединённые дубликаты не учитываются.
figures-rated-caption = Как заявители оценили услуги
figures-rated-service = Услуга
figures-rated-agency = Ведомство
figures-rated-count = Оценок
figures-rated-average = Средняя (1–5)
figures-rated-none = За этот период услуги никто не оценил.
figures-rated-total = Все услуги
figures-rated-notes = Когда по заявлению принято решение, заявитель может оценить услугу от 1 (очень недоволен) до 5 (очень доволен); оценка учитывается в день, когда её дали в последний раз. Комментарии читает только ведомство.
appeal-holder-label = У кого сейчас обращение
appeal-due-label = Срок ответа
passport-questions-heading = Частые вопросы
passport-ask = Задать вопрос или пожаловаться на эту услугу
appeal-problem-required-kind = Выберите: заявление, жалоба или предложение
appeal-problem-required-subject = Укажите тему
appeal-problem-required-body = Напишите текст обращения
appeal-problem-required-name = Укажите фамилию, имя и отчество
appeal-problem-required-reply = Напишите ответ
appeal-problem-required-note = Напишите заметку
appeal-problem-required-reason = Укажите причину
appeal-problem-required-kb = Выберите ответ из базы знаний
appeal-problem-range-rating = Выберите оценку от 1 до 5
appeal-track-locked = Слишком много неверных попыток. Попробуйте через час или позвоните в контакт-центр.

incidents-title = Инциденты
incidents-intro = Места, где процесс услуги не смог продолжиться сам: условие без ответа, ошибка решения, задание без оставшихся попыток. Исправьте переменные и повторите.
incidents-open = Открыто: { $count }
incidents-none = Открытых инцидентов нет.
incidents-when = Зарегистрирован
incidents-application = Заявление
incidents-where = Процесс и элемент
incidents-message = Что произошло
incidents-caused-by = После шага: { $who }
incidents-caused-by-label = После шага
incident-title = Инцидент
incident-diagram-legend = Красным отмечен элемент, на котором процесс остановился.
incident-variables = Переменные процесса
incident-variables-hint = Объект JSON. Изменённые и добавленные переменные сохраняются; затем шаг, на котором возник инцидент, выполняется снова.
incident-variables-invalid = Введите переменные как объект JSON, например {"{"} "amount": 5000 {"}"}
incident-retry = Сохранить и повторить
incident-save = Только сохранить переменные

# Sign-in through providers
sign-in-with-provider = Войдите с учётной записью одного из этих сервисов. После входа вы вернётесь сюда.
sign-in-demo-heading = Демонстрационные пользователи
sign-in-failed-title = Вы не вошли в систему
sign-in-failed-nothing = Ничего не изменилось, и вход не выполнен.
sign-in-failed-again = Попробовать войти ещё раз
sign-in-failed-unknown = Такого способа входа нет.
sign-in-failed-state = Эта ссылка для входа уже использована или устарела. Ссылка для входа действует один раз в течение 10 минут.
sign-in-failed-refused = Сервис входа не выполнил вход (он был отменён или отклонён).
sign-in-failed-unreachable = Сервис входа сейчас недоступен. Попробуйте через несколько минут.
sign-in-failed-invalid = Ответу сервиса входа нельзя доверять, поэтому он не принят.
sign-in-failed-not-allowed = Учётную запись этого сервиса здесь использовать нельзя: она не сообщает ваш персональный идентификационный номер (ПИНФЛ).
sign-in-failed-internal = На нашей стороне произошла ошибка.
sign-in-failed-too-many = Слишком много попыток входа с этого подключения. Попробуйте через 15 минут.
sign-in-level = Как вы подтвердили свою личность?
sign-in-level-password = Пароль
sign-in-level-otp = Пароль и одноразовый код
sign-in-level-e-signature = Ключ электронной цифровой подписи
passport-assurance = Способ входа
sign-in-failed-too-weak = Для этой услуги нужен более надёжный способ входа, чем тот, которым вы воспользовались. Войдите снова тем способом, который она требует.

# Staff roles (administrators)
roles-title = Роли сотрудников
roles-intro = Кто является сотрудником ведомства, оператором контакт-центра или администратором по решению Центра электронного правительства, помимо того, что сообщают сервисы входа. Роль, выданная здесь, действует сразу и при каждом входе; отзыв роли завершает сеансы человека. Каждое изменение сохраняется ниже.
roles-current = Роли, выданные здесь
roles-role = Роль
roles-role-officer = Сотрудник ведомства
roles-role-operator = Оператор контакт-центра
roles-role-admin = Администратор
roles-by = Кем выдана
roles-withdraw = Отозвать
roles-none = Здесь ещё не выдано ни одной роли.
roles-grant = Выдать роль
roles-agency-hint = Для сотрудника: ведомство, в котором он работает.
roles-grant-button = Выдать роль
roles-audit = Изменения
roles-when = Когда
roles-change = Изменение
roles-change-granted = Выдана
roles-change-withdrawn = Отозвана
roles-no-changes = Изменений пока нет.
roles-error-pinfl = Введите ПИНФЛ человека: 14 цифр
roles-error-role = Выберите роль
roles-error-agency = Выберите ведомство сотрудника

## Оплата
fee-heading = Оплата
fee-invoice-label = Номер счёта
fee-amount-label = Сумма
fee-status-label = Оплата
fee-status-unpaid = Не оплачен
fee-status-pending = Оплата в процессе
fee-status-paid = Оплачен
fee-status-cancelled = Отменён
fee-status-refunded = Возвращён
fee-paid-label = Дата оплаты
fee-paid-on = { $date }, через { $provider }
fee-pay-by-label = Оплатить до
fee-refund-allowed = Заявление отклонено или закрыто, поэтому оплата будет возвращена на карту или счёт, с которых вы платили.
fee-pending-text = Оплата по этому счёту начата. Если вы ушли со страницы оплаты, подождите несколько минут и обновите эту страницу.
fee-pay-intro = Заявление поступит в ведомство после оплаты. Вы платите на странице платёжной системы и затем возвращаетесь сюда.
fee-pay-with = Оплатить через { $provider }
fee-pay-in-person = Онлайн-оплата сейчас недоступна. Оплатите в банке или центре государственных услуг по номеру счёта.
fee-after-submit = После отправки вы получите счёт на эту сумму и оплатите его онлайн через Payme или Click. Заявление поступит в ведомство после оплаты.
fee-next = Оплатите сейчас: заявление поступит в ведомство после оплаты. Если не оплатить до указанной даты, заявление будет закрыто.
action-pay-fee = Оплата получена
action-refund-fee = Оплата возвращена
fee-unpaid-closed = Заявление закрыто, потому что пошлина не была оплачена вовремя. Вы можете подать его снова.

## Платежи: страница Центра электронного правительства
payments-admin-title = Платежи
payments-admin-intro = Пошлины, оплаченные через Payme и Click: счета за последние семь дней и сверка выписки платёжной системы за день с записями Yagona.
payments-admin-summary = Последние семь дней (время Ташкента)
payments-admin-day = День
payments-admin-issued = Выставлено счетов
payments-admin-paid = Оплачено
payments-admin-paid-total = Оплачено на сумму
payments-admin-refunded = Возвращено
payments-admin-cancelled = Отменено
payments-admin-total = Все семь дней
payments-admin-reconcile = Сверить выписку
payments-admin-reconcile-intro = Загрузите выписку за один день в том виде, в каком её выгружает кабинет платёжной системы (файл CSV). Каждая транзакция в ней сравнивается с записями Yagona за этот день, и перечисляется каждое расхождение. Ничего не изменяется.
payments-admin-provider = Платёжная система
payments-admin-date = День выписки
payments-admin-date-hint = Время Ташкента, например 27 11 2026
payments-admin-date-day = День
payments-admin-date-month = Месяц
payments-admin-date-year = Год
payments-admin-statement = Выписка
payments-admin-statement-hint = Файл CSV со строкой заголовков и одной транзакцией в строке.
payments-admin-button = Сверить выписку
payments-admin-error-provider = Выберите платёжную систему
payments-admin-error-date = Введите день выписки — существующую дату, например 27 11 2026
payments-admin-error-date-future = День выписки должен быть не позже сегодняшнего
payments-admin-error-statement = Выберите файл выписки
payments-admin-error-empty = Файл выписки пуст
payments-admin-error-encoding = Выписка должна быть текстовым файлом CSV в кодировке UTF-8
payments-admin-error-line = Не удаётся прочитать выписку в строке { $line }: { $reason }
payments-admin-result = Выписка { $provider } за { $date }
payments-admin-matched = Совпадающие транзакции
payments-admin-differences = Расхождения
payments-admin-agree = Выписка и записи Yagona совпадают.
payments-admin-kind = Расхождение
payments-admin-provider-id = Транзакция в платёжной системе
payments-admin-invoice = Счёт
payments-admin-in-yagona = В Yagona
payments-admin-at-provider = В платёжной системе
payments-admin-kind-missing-in-yagona = Нет в записях Yagona
payments-admin-kind-missing-at-provider = Нет в выписке
payments-admin-kind-amount-mismatch = Суммы различаются
payments-admin-kind-standing-mismatch = Состояния различаются
payments-admin-kind-invoice-mismatch = Счета различаются
payments-admin-standing-open = Начата, не оплачена
payments-admin-standing-paid = Оплачена
payments-admin-standing-cancelled = Отменена
payments-admin-standing-refunded = Возвращена
payments-admin-refunds = Оплаты к возврату
payments-admin-application = Заявление
payments-admin-amount = Сумма
payments-admin-refunds-how = В этих заявлениях отказано, и их услуги возвращают пошлину. Payme: отмените транзакцию в Payme Business (транзакции кассы); Ягона примет отмену от Payme и отметит возврат. Click: Ягона каждую минуту просит Click вернуть платёж, пока тот не вернёт; платёж, который всё ещё здесь, Click отклонил — смотрите журнал узла.

## Уведомления (SMS, электронная почта, Telegram)
notice-received = Ягона: заявление { $reference } принято.
notice-received-subject = Заявление { $reference } принято
notice-returned = Ягона: заявление { $reference } возвращено на исправление: { $comment }
notice-returned-subject = Заявление { $reference }: исправьте его
notice-payment-due = Ягона: оплатите { $amount } сум по заявлению { $reference } ({ $invoice }).
notice-payment-due-subject = Заявление { $reference }: оплата
notice-payment-received = Ягона: { $amount } сум по заявлению { $reference } получены.
notice-payment-received-subject = Заявление { $reference }: оплата получена
notice-approved = Ягона: заявление { $reference } одобрено. Результат в кабинете.
notice-approved-subject = Заявление { $reference } одобрено
notice-rejected = Ягона: по заявлению { $reference } отказ. Причина в кабинете.
notice-rejected-subject = Заявление { $reference }: отказ
notice-result-ready = Ягона: результат по заявлению { $reference } готов в кабинете.
notice-result-ready-subject = Заявление { $reference }: результат готов
notice-appeal-received = Ягона: обращение { $tracking } принято.
notice-appeal-received-subject = Обращение { $tracking } принято
notice-appeal-answered = Ягона: на обращение { $tracking } дан ответ.
notice-appeal-answered-subject = Ответ на обращение { $tracking }
notice-appeal-forwarded = Ягона: обращение { $tracking } передано в компетентный орган.
notice-appeal-forwarded-subject = Обращение { $tracking } передано
notice-appeal-extended = Ягона: срок по обращению { $tracking } продлён на месяц.
notice-appeal-extended-subject = Обращение { $tracking }: срок продлён
notice-code = Код Ягона: { $code }. Никому его не сообщайте.
notice-code-subject = Код подтверждения Ягона
notice-connected = Ягона: этот чат привязан к вашей учётной записи. Здесь мы будем сообщать о ваших заявлениях и обращениях. Чтобы отключить, удалите его в разделе «Уведомления» личного кабинета.
notice-connected-subject = Telegram подключён

# Итоговые документы: документ, кабинет, ссылки, проверка.
document-date = { $day } { $month } { $year } г.
document-date-time = { $date }, { $time }
document-yes = Да
document-no = Нет
document-default-title = Результат государственной услуги
document-row-service = Услуга
document-row-result = Результат
document-row-holder = Владелец
document-row-application = Заявление
document-row-decided = Решение принято
document-pdf-header = Республика Узбекистан · Государственные услуги Yagona
document-pdf-number = Номер документа { $number }
document-pdf-issued = Выдан { $date } (ташкентское время)
document-pdf-verify = Проверьте документ: отсканируйте QR-код, откройте адрес ниже или введите его номер на странице /verify.
document-pdf-application = Выдан по заявлению { $reference } через портал Yagona.
document-pdf-signed = Подписан электронной подписью: { $signer } (сертификат SHA-256 { $fingerprint }…).
document-pdf-unsigned = Без электронной подписи: проверяйте по номеру.
document-pdf-annex = Приложение (внутри этого файла)
document-pdf-annex-description = Документ ведомства, вложенный в подписанный результат
document-pdf-reason = Итоговый документ { $number }
document-action-revoke = Итоговый документ отозван
document-action-supersede = Итоговый документ заменён
document-action-share = Итоговым документом поделились по ссылке
document-action-share-withdraw = Ссылка отозвана
document-nav = Мои документы
document-in-cabinet = Храните его и делитесь им в разделе «Мои документы»
document-cabinet-title = Мои документы
document-cabinet-lead = Все выданные вам результаты. Скачивайте их в любое время или делитесь ими по ссылке с ограниченным сроком.
document-cabinet-empty = Вам ещё не выдано ни одного результата.
document-title-label = Документ
document-number-label = Номер документа
document-issued-label = Выдан
document-actions-label = Действия
document-download = Скачать
document-open = Открыть и поделиться
document-file-label = Файл
document-verification-page = Страница проверки
document-reason-label = Причина
document-share-heading = Поделиться документом
document-share-lead = Любой, у кого есть ссылка, увидит, действителен ли документ, и сможет скачать его — пока срок ссылки не истёк или вы её не отозвали.
document-share-days = Как долго можно пользоваться ссылкой?
document-share-days-hint = Выберите самый короткий достаточный срок.
document-share-for = { $days ->
    [one] { $days } день
    [few] { $days } дня
   *[many] { $days } дней
}
document-share-button = Создать ссылку
document-share-choose = Выберите, как долго можно пользоваться ссылкой
document-share-closed = Документ больше не действителен, им нельзя поделиться
document-share-created = Ссылка создана
document-share-until = Она действует до { $date }
document-share-copy = Скопируйте ссылку сейчас и отправьте тому, кому нужен документ. Она показывается только один раз.
document-shares-caption = Ссылки на этот документ
document-share-created-label = Создана
document-share-expires-label = Действует до
document-share-active = Действует
document-share-expired = Срок истёк
document-share-withdrawn = Отозвана
document-share-withdraw = Отозвать
document-share-withdrawn-title = Ссылка отозвана
document-share-withdrawn-text = Ссылка больше не открывает документ.
document-staff-heading = Итоговые документы
document-change-label = Отозвать или заменить документ
document-revoke = Отозвать: он больше не действителен
document-supersede = Заменить: выдать вместо него новый документ
document-reason-hint = Причину увидит на странице проверки каждый, кто проверяет документ.
document-replacement-label = PDF для замены (необязательно)
document-replacement-hint = Без файла платформа выдаст то же содержание заново под новым номером.
document-change-button = Подтвердить
document-change-choose = Выберите: отозвать или заменить документ
document-reason-required = Укажите причину
document-replacement-pdf = Файл для замены должен быть PDF размером не более 10 МБ
document-closed = Документ уже отозван или заменён
verify-status-valid = Действителен
verify-status-revoked = Отозван
verify-status-superseded = Заменён
verify-title = Проверить документ
verify-not-found-title = Документ не найден
verify-lead = Введите номер, напечатанный на документе рядом с QR-кодом, например YD-7K4M-X9QA.
verify-number-label = Номер документа
verify-number-hint = Буквы и цифры, как в документе; регистр и пробелы не важны.
verify-button = Проверить
verify-number-missing = Введите номер документа
verify-number-invalid = Введите номер так, как он напечатан в документе, например YD-7K4M-X9QA
verify-not-found = Документа с таким номером нет. Проверьте номер и попробуйте ещё раз.
verify-shared-gone = Срок этой ссылки истёк, или её отозвали. Попросите у владельца документа новую.
verify-result-title = Документ { $number }
verify-valid-title = Документ действителен
verify-revoked-title = Документ отозван
verify-superseded-title = Документ заменён
verify-revoked-text = Выдавший орган отозвал его { $date }. Он больше не действителен.
verify-superseded-text = Выдавший орган заменил его другим документом { $date }. Действителен только новый.
verify-superseded-by = Заменён документом
verify-supersedes = Заменяет документ
verify-agency-label = Выдан органом
verify-holder-label = Владелец
verify-signature-label = Электронная подпись
verify-signed = Подписан выдавшим органом
verify-unsigned = Без электронной подписи
verify-shared-heading = Документ, которым с вами поделились
verify-shared-until = Владелец поделился с вами этим документом до { $date }.
verify-check-heading = Проверить копию
verify-check-lead = Загрузите полученный PDF, чтобы проверить, что это в точности выданный документ.
verify-check-title = Проверено
verify-check-match = Этот файл — в точности выданный документ.
verify-check-mismatch = Этот файл — не выданный документ: он отличается от него. Не полагайтесь на него.
verify-upload-label = Файл PDF
verify-upload-hint = Не более 10 МБ. Файл только сравнивается и не сохраняется.
verify-upload-button = Проверить файл
verify-upload-missing = Выберите PDF-файл для проверки
verify-upload-too-large = Файл должен быть не больше 10 МБ
verify-upload-not-pdf = Файл должен быть в формате PDF
verify-another = Проверить другой документ
notices-nav = Уведомления
notices-title = Как мы с вами связываемся
notices-intro = Мы сообщаем, когда заявление принято, требует исправления, нужно оплатить пошлину, принято решение и готов результат, а также когда на ваши обращения дан ответ. Добавьте электронную почту, телефон для SMS или чат Telegram; каждый адрес используется после подтверждения кодом, который мы на него отправим. С 22:00 до 08:00 SMS не отправляются, кроме кодов подтверждения.
notices-addresses = Ваши адреса
notices-none = Вы ещё не добавили адресов: всё можно отслеживать в личном кабинете.
notices-confirmed = Подтверждён
notices-unconfirmed = Ожидается код
notices-code-label = Код, отправленный на этот адрес
notices-code-hint = Шесть цифр, действует 10 минут
notices-confirm-button = Подтвердить
notices-remove = Удалить
notices-add = Добавить адрес
notices-channel = Способ
notices-channel-email = Электронная почта
notices-channel-sms = SMS
notices-channel-telegram = Telegram
notices-address = Адрес
notices-address-hint = Адрес электронной почты или номер телефона вида +998 90 123 45 67
notices-send-code = Отправить мне код
notices-telegram-heading = Telegram
notices-telegram-text = Откройте нашего бота { $bot } в Telegram и нажмите «Start» — чат будет привязан к вашей учётной записи. Ссылка действует один раз, 15 минут.
notices-telegram-button = Подключить Telegram
notices-telegram-open = Открыть { $bot } в Telegram
notices-choices = Что вы получаете
notices-channels = Сообщать мне через
notices-language = Язык сообщений
notices-language-state = Узбекский (государственный), если я не выберу другой
notices-save = Сохранить
notices-saved = Ваш выбор сохранён.
notices-error-channel = Выберите способ: электронная почта или SMS
notices-error-email = Введите адрес электронной почты, например name@example.uz
notices-error-phone = Введите номер телефона, например +998 90 123 45 67
notices-error-code = Код неверный или истёк: проверьте его или добавьте адрес снова, чтобы получить новый
notices-sent-heading = Отправленные вам сообщения
notices-change-link = Изменить способ связи
notices-status-queued = ожидает отправки
notices-status-sending = отправляется
notices-status-sent = отправлено
notices-status-delivered = доставлено
notices-status-undelivered = не доставлено
notices-status-failed = не отправлено
notices-event-received = Заявление принято
notices-event-returned = Возвращено на исправление
notices-event-payment-due = Нужно оплатить
notices-event-payment-received = Оплата получена
notices-event-approved = Одобрено
notices-event-rejected = Отказ
notices-event-result-ready = Результат готов
notices-event-appeal-received = Обращение принято
notices-event-appeal-answered = Ответ на обращение
notices-event-appeal-forwarded = Обращение передано
notices-event-appeal-extended = Срок продлён
notices-event-code = Код подтверждения
notices-event-connected = Telegram подключён
notices-failed-nav = Неотправленные уведомления
notices-failed-title = Неотправленные уведомления
notices-failed-intro = Сообщения, от отправки которых платформа отказалась: канал их отклонил, или узел остановился во время отправки и не узнал, ушло ли сообщение (такие сами не отправляются повторно, чтобы никто не получил их дважды). Отправьте снова, когда причина устранена.
notices-failed-list = Отказано
notices-failed-none = Все уведомления отправлены.
notices-when = Поставлено в очередь
notices-about = О чём
notices-what-went-wrong = Что случилось (попытки)
notices-resend = Отправить снова
notices-error-too-many = Запрошено слишком много кодов: попробуйте через час

# Rating a service (the citizen), and the agency's ratings (staff).
rating-heading = Оцените услугу
rating-question = Насколько вы довольны услугой «{ $service }»?
rating-5 = Очень доволен
rating-4 = Доволен
rating-3 = Ни то ни другое
rating-2 = Недоволен
rating-1 = Очень недоволен
rating-comment-label = Как улучшить эту услугу? (необязательно)
rating-comment-hint = Не указывайте личные данные. До 1000 символов.
rating-submit = Отправить оценку
rating-thanks = Спасибо: ваша оценка помогает ведомству улучшать услугу.
rating-given = Ваш ответ: { $answer }. Его можно изменить.
rating-error-choose = Выберите, насколько вы довольны
rating-error-comment = Комментарий должен быть не длиннее 1000 символов
rating-error-not-decided = Оценить услугу можно после решения по заявлению
rating-average = { $average } из 5
ratings-title = Оценки ваших услуг
ratings-intro = Что заявители сказали об услугах вашего ведомства после решения по их заявлениям.
ratings-by-service = По услугам, { $from } – { $to }
ratings-count = { $count ->
    [one] { $count } оценка
    [few] { $count } оценки
   *[other] { $count } оценок
}
ratings-none = За этот период оценок нет.
ratings-latest = Последние оценки
ratings-when = Дата
ratings-application = Заявление
ratings-answer = Ответ
ratings-comment = Комментарий
ratings-nav = Оценки

# GOV.UK's date input: the three boxes of a date.
date-input-hint = Например, 27 3 2026
date-input-day = День
date-input-month = Месяц
date-input-year = Год
