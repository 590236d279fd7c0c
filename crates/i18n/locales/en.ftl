# Yagona interface text — English.
# Message ids are shared by all four files; `cargo test -p yagona-i18n` checks that every file has every id.

## Frame
skip-to-content = Skip to main content
demo-tag = Demo
demo-banner = This is a demonstration of Yagona. Sign-in uses made-up people; nothing you do here reaches a real agency.
demo-banner-label = Demonstration notice
language-switcher = Language
nav-label = Service navigation
nav-menu = Menu
nav-services = Services
nav-my-applications = My applications
nav-staff = Applications to process
nav-admin = Registry
nav-sign-in = Sign in
nav-sign-out = Sign out
footer-heading = Support links
footer-api = API for developers
footer-licences = Licences
footer-text = Yagona — an open-source platform for public services.
back = Back
go-home = Go to the home page
optional = (optional)
warning = Warning
answer-yes = Yes
answer-no = No

## Home and catalogue
home-title = Public services online
home-heading = Public services online
home-lead = { $count ->
    [one] Find { $count } public service, apply online and follow your application until the result.
   *[other] Find any of { $count } public services, apply online and follow your application until the result.
}
search-label = Search for a service
search-hint = Type in any language, in Latin or Cyrillic script, for example “birth”, “tugʻilish” or “паспорт”.
search-button = Search
life-events-heading = Services by life event
popular-heading = Services
all-services-link = See all services
services-count = { $count ->
    [one] { $count } service
   *[other] { $count } services
}
catalogue-title = Catalogue of public services
search-results-title = Search results for “{ $query }”
services-found = { $count ->
    [0] No services found
    [one] { $count } service found
   *[other] { $count } services found
}
no-results = Check the spelling or try other words. You can also browse services by life event.
filter-life-event = Life event
filter-agency = Agency
filter-all = All
filter-apply = Apply filters

## Service passport
back-to-catalogue = All services
passport-fee = Fee
passport-deadline = Decision within
passport-who = Who can apply
passport-result = What you receive
passport-channels = Where to apply
passport-agency = Responsible agency
passport-legal-basis = Legal basis
passport-documents = Documents you need
passport-no-documents = No documents are needed.
passport-life-events = Part of
passport-offline = This service cannot be applied for online yet. Apply through one of the channels above.
start-now = Start now
start-sign-in-note = You will be asked to sign in first.
fee-free = Free
fee-amount = { $amount } soʻm
fee-bhm = { $amount } soʻm ({ $multiple } × BHM)
fee-unknown = Depends on the base calculation amount in force
working-days = { $count ->
    [one] { $count } working day
   *[other] { $count } working days
}
channel-online = Online on this portal
channel-public-service-centre = Public Service Centre
channel-agency-office = The agency’s office
channel-mobile-app = Mobile app
channel-post = By post

## Applying
step-of = Step { $number } of { $total }
save-continue = Save and continue
save-draft = Save as draft
select-placeholder = Choose…
file-current = Uploaded: { $name }. Choose another file to replace it.
file-limits = PDF, JPG or PNG, up to { $size } MB.
reference-label = Reference number
check-title = Check your answers before sending your application
not-answered = Not answered
change = Change
declaration-heading = Now send your application
declaration-text = By sending this application you confirm that, to the best of your knowledge, the details you are providing are correct.
submit-button = Accept and send
resubmit-button = Send corrected application
confirmation-title = Application sent
confirmation-reference = Your reference number
confirmation-service = We have sent your application for “{ $service }” to the responsible agency.
what-next = What happens next
confirmation-next = { $holder }. You can follow every step on the application page.
confirmation-due = The agency must decide by { $date } ({ $deadline } by law).
follow-application = Follow your application

## Errors in forms
error-title-prefix = Error
error-summary-title = There is a problem
error-required = Enter { $label }
error-choose = Select { $label }
error-upload = Upload { $label }
error-confirm = Confirm: { $label }
error-min-length = { $label } must be { $limit } characters or more
error-max-length = { $label } must be { $limit } characters or fewer
error-minimum = { $label } must be { $limit } or more
error-maximum = { $label } must be { $limit } or less
error-pattern = Enter { $label } in the correct format
error-date = { $label } must be a real date, for example 2024-03-27
error-email = Enter { $label } as an email address, like name@example.uz
error-number = { $label } must be a number
error-invalid = Check { $label }
upload-empty = The selected file for { $label } is empty
upload-too-large = The file for { $label } must be smaller than { $limit } MB
upload-wrong-type = The file for { $label } must be a PDF, JPG or PNG

## Following applications
my-applications-title = My applications
no-applications = You have no applications yet.
find-service = Find a service
service-label = Service
status-label = Status
due-label = Decision due by
holder-label = Who has it now
submitted-label = Sent
applicant-label = Applicant
application-heading = Application { $reference }
overdue = Overdue
saved-title = Saved
saved-text = Your draft is saved. You can come back to it at any time from “My applications”.
returned-text = The agency has sent your application back for correction.
correct-button = Correct your application
continue-draft = Continue your application
reject-reason-heading = Reason for the decision
result-heading = Result
download-result = Download { $name } ({ $size } KB)
history-heading = History
your-answers = Your answers
pinfl-label = PINFL
status-draft = Draft
status-submitted = Sent
status-in-review = Being reviewed
status-returned = Returned for correction
status-approved = Approved
status-rejected = Rejected
holder-applicant = You: the application waits for you
holder-agency = { $agency }: waiting for an officer
holder-officer = { $officer }, { $agency }
holder-closed = Nobody: a decision has been made
action-create = Application started
action-submit = Application sent
action-resubmit = Corrected application sent
action-take = Taken for review
action-approve = Approved
action-reject = Rejected
action-return = Returned for correction
actor-applicant = Applicant
actor-officer = Officer

## Months (as in “27 November 2026”)
month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December

## Sign-in
sign-in-title = Sign in
sign-in-demo-warning = Demonstration identity provider: choose a made-up person to sign in as. A real deployment signs people in through OneID.
sign-in-citizens = Citizens
sign-in-officers = Agency officers
sign-in-admins = e-Government Centre
sign-in-button = Sign in

## Officers
staff-title = Applications to process
staff-search = Reference number or PINFL
staff-overdue-only = Only overdue
staff-count = { $count ->
    [one] { $count } application
   *[other] { $count } applications
}
staff-empty = No applications match.
take-button = Take for review
decision-heading = Decision
decision-label = What is your decision?
decision-approve = Approve and issue the result
decision-return = Send back to the applicant for correction
decision-reject = Reject
decision-comment = Reason or comment for the applicant
decision-comment-hint = Required when you reject or send back. The applicant will see it.
decision-result-file = Result document (optional)
decision-result-hint = A PDF. If you attach none, the platform issues the result document itself.
decision-button = Record decision
decision-choose = Select a decision
incident-recorded = The decision is recorded, but the process could not go on from it ({ $when }). This is recorded as an incident and waits for an administrator; you do not need to do anything.
decision-reason-required = Enter the reason: the applicant must know why
decision-result-pdf = The result document must be a PDF smaller than 10 MB
decision-not-allowed = This decision is no longer possible: the application has changed. Check its status.
documents-heading = Documents

## Administration
admin-title = Registry of services
admin-version = Registry version { $version }.
admin-services = Services
admin-agencies = Agencies
admin-calendar = Working-day calendar
admin-code = Code
admin-service-version = Version
admin-year = Year
admin-holidays = Holidays
admin-days-off = Extra days off
admin-working-days = Working days off-cycle
admin-provisional = Provisional

## API page
api-title = Yagona API
api-intro = JSON over HTTPS. Errors are RFC 9457 problem documents. The machine-readable description is at
api-parameters = Parameters
api-responses = Responses
api-name = Name
api-in = In
api-description = Description
api-status = Status
api-schemas = Schemas

## Error pages
error-not-found-title = Page not found
error-not-found-text = If you typed the address, check it is correct. If you followed a link to an application, it may belong to someone else.
error-forbidden-title = You cannot open this page
error-forbidden-text = Your account does not give access to this page.
error-csrf-title = The form has expired
error-csrf-text = For your security the form could not be accepted. Go back, reload the page and try again.
error-bad-request-title = The request could not be read
error-bad-request-text = Go back and try again.
error-too-large-title = The file is too large
error-too-large-text = Go back and choose a smaller file.
error-conflict-title = Someone changed this meanwhile
error-conflict-text = Go back, reload the page and try again.
error-internal-title = Sorry, there is a problem with the service
error-internal-text = Try again later. Your saved answers are kept.

## Processes and tasks
action-release = Given back to the queue
action-issue-result = Result document issued
action-escalate = Deadline passed: escalated to the head of department
action-notify = Notification sent
actor-system = Platform
current-step-label = Current step
inbox-show = Show
inbox-mine = Assigned to me
inbox-unassigned = Not assigned
inbox-you = You
inbox-count = { $count ->
    [one] { $count } task
   *[other] { $count } tasks
}
inbox-empty = No tasks match.
task-label = Task
assignee-label = Assigned to
release-button = Give back to the queue
task-taken-by = { $name } is working on this task.
task-form-invalid = Check what you recorded for this task
checks-heading = Checks by the platform
diagram-heading = Process
diagram-title = Process of the service “{ $service }”
diagram-legend = Green: steps done. Blue, thick outline: where the application is now.

# Interagency exchange (administrators)
exchange-title = Interagency exchange
exchange-intro = Members, their information systems and the services they offer, and who may call what. Anything not granted here is refused.
exchange-calls-only = This system calls services; it offers none.
exchange-nodes-title = Nodes of the exchange
exchange-node = Node
exchange-node-address = Address (mutual TLS)
exchange-node-key = Public key
exchange-hosted-on = on node { $node }
exchange-room = Publish/subscribe room (answered by the node itself)
exchange-base-url = Address of the service
exchange-timeout = Longest wait for an answer
exchange-rights = Who may call
exchange-grantee = Who may call
exchange-method = Method
exchange-path = Path
exchange-any-method = any method
exchange-no-rights = No one may call this service.
exchange-revoke = Withdraw
exchange-grant-title = Grant a right
exchange-grant = Grant
exchange-service = Service
exchange-choose = Choose…
exchange-path-hint = * matches within one part of the path, ** across parts; /** is the whole service.
exchange-error-service = Choose the service the right is for
exchange-error-grantee = Choose the system or group that may call
exchange-error-method = Choose a method
exchange-error-path = Enter a path that starts with / and has no spaces, such as /v1/persons/*
exchange-traffic-title = Who calls whom
exchange-traffic-intro = Calls between agencies through the exchange, from the message log: how many, how many failed, and how long the providers took to answer.
exchange-traffic-caption = From { $from } to { $to }
exchange-from = From
exchange-to = To
exchange-show = Show
exchange-caller = Caller
exchange-provider = Provider
exchange-calls = Calls
exchange-errors = Failed
exchange-no-traffic = No exchanges in this period.
exchange-error-date = Enter a date such as 2026-11-27
exchange-error-period = The end of the period must not be before its start

# Once only: facts from state registers
prefill-source = Filled in from { $source }. Change it if it is wrong.
facts-heading = What state registers told us
facts-intro = We asked these registers through the interagency exchange so that you do not have to tell us again. If something is wrong, contact the agency that keeps the register.
facts-fetched = Asked on { $when }

# The single contact point: appeals
nav-appeals = Appeals
nav-my-appeals = My appeals
nav-contact = Ask or complain
sign-in-operators = Contact centre operators
period-from = From
period-to = To
appeal-kind-inquiry = Inquiry
appeal-kind-complaint = Complaint
appeal-kind-proposal = Proposal
appeal-status-received = Received
appeal-status-assigned = With the agency
appeal-status-in-progress = Being considered
appeal-status-answered = Answered
appeal-status-closed = Closed
appeal-status-reopened = Reopened
appeal-channel-label = Channel
appeal-channel-portal = Portal
appeal-channel-phone = Phone call
appeal-channel-open311 = Open311
appeal-contact-centre = National Communication Centre
appeal-field-kind = What is it?
appeal-field-service = Which service is it about?
appeal-field-topic = Or which topic?
appeal-field-subject = Subject
appeal-field-body = Your appeal
appeal-field-application_ref = Application number
appeal-field-name = Full name
appeal-field-pinfl = Caller's PINFL
appeal-field-phone = Phone number
appeal-field-email = E-mail
appeal-field-needs_checking = Needs extra study or checking (one month instead of 15 days)
appeal-field-kb = Answer from the knowledge base
appeal-field-answer = Or the answer you gave
appeal-field-reply = Answer
appeal-field-note = Note
appeal-field-reason = Reason
appeal-field-agency = Agency
appeal-field-into = Tracking number
appeal-field-rating = Rating
appeal-field-comment = Comment
appeal-field-lat = Latitude
appeal-field-long = Longitude
appeal-field-address = Address
appeal-hint-service = Leave empty if it is not about one service.
appeal-hint-body = Up to 4,000 characters. Say what happened and what you ask for.
appeal-hint-application_ref = If it is about an application, such as YG-7K4M-X9QA.
appeal-hint-phone = Give a phone number or an e-mail address: we answer there, and you need it to follow the appeal.
appeal-hint-tracking = As on your confirmation, such as MR-7K4M-X9QA.
appeal-hint-check = The phone number or e-mail address you gave when you sent it.
appeal-problem-required = Enter { $field }
appeal-problem-too-long = { $field } is too long
appeal-problem-phone = Enter a phone number such as +998 90 123 45 67
appeal-problem-email = Enter an e-mail address such as name@example.uz
appeal-problem-need-contact = Give a phone number or an e-mail address so that we can answer you
appeal-problem-service = Choose a service from the list
appeal-problem-topic = Choose a topic from the list
appeal-problem-agency = Choose an agency from the list
appeal-problem-range = { $field } is out of range
appeal-problem-same-agency = The appeal is with that agency already
appeal-problem-invalid = Check { $field }
appeal-new-title = Ask a question, complain or propose
appeal-new-lead = The single contact point answers about any public service. By law your appeal is considered within 15 days, or one month if it needs extra checking.
appeal-send = Send
appeal-record = Record the call
appeal-call-title = Record a call
appeal-first-contact-heading = Answered during the call?
appeal-first-contact-lead = If you answered the caller now, choose the answer or write it: the appeal is recorded as answered at first contact.
appeal-first-contact = Answered at first contact
appeal-sent-title = Appeal sent
appeal-tracking-label = Tracking number
appeal-sent-holder = It is now with: { $agency }.
appeal-sent-deadline = You will be answered by { $date } at the latest.
appeal-sent-keep = Keep the tracking number. With it and the phone or e-mail you gave, you can follow the appeal without signing in.
appeal-follow = Follow your appeal
appeal-track-link = Follow an appeal you sent
appeal-track-title = Follow an appeal
appeal-track-lead = Enter the tracking number and the phone number or e-mail address you gave.
appeal-check-label = Phone number or e-mail
appeal-track-button = Show the appeal
appeal-track-not-found = We found no appeal with this number and this phone or e-mail. Check both and try again.
appeal-heading = Appeal { $tracking }
appeal-about-label = About
appeal-address-label = Address
appeal-extended = extended
appeal-rating-label = Your rating
appeal-merged-label = Merged into
appeal-internal = internal
appeal-none = No appeals.
appeal-rate-heading = Rate the answer
appeal-rating-5 = 5 — excellent
appeal-rating-4 = 4 — good
appeal-rating-3 = 3 — fair
appeal-rating-2 = 2 — poor
appeal-rating-1 = 1 — very poor
appeal-rate-comment = Comment
appeal-rate-button = Send the rating
appeal-rated = Thank you: your rating is recorded and the appeal is closed.
appeal-reopen-heading = Not resolved? Reopen the appeal
appeal-reopen-hint = Within 30 days of the answer. Say what is still wrong.
appeal-reopen-button = Reopen
appeal-reopened = The appeal is reopened and has a new deadline.
appeal-reopen-over = The 30 days for reopening are over: send a new appeal.
appeal-due-soon = Due soon
appeal-queue-title = Appeals
appeal-search = Find
appeal-search-hint = Tracking number, PINFL, phone or e-mail
appeal-open-only = Waiting for an answer
appeal-escalated-only = Due soon or overdue only
appeal-escalated-count = { $count ->
    [one] { $count } appeal is due soon or overdue
   *[other] { $count } appeals are due soon or overdue
}
appeal-count = { $count ->
    [one] { $count } appeal
   *[other] { $count } appeals
}
appeal-applicant-heading = Applicant
appeal-knowledge-heading = Knowledge base
appeal-send-this-answer = Send this answer
appeal-reply-heading = Answer the applicant
appeal-reply-label = Answer (the applicant sees it)
appeal-reply-button = Send the answer
appeal-note-heading = Internal note
appeal-note-label = Note (staff only)
appeal-note-button = Add the note
appeal-assign-heading = Send to an agency
appeal-assign-button = Send
appeal-forward-heading = Forward to the competent agency
appeal-forward-reason = Why (the applicant is told)
appeal-forward-button = Forward
appeal-to-agency = Agency
appeal-extend-heading = Extend the deadline by one month
appeal-extend-reason = Why extra study is needed (the applicant is told)
appeal-extend-button = Extend
appeal-already-extended = The deadline has been extended once already; the law allows no more.
appeal-merge-heading = Duplicate of another appeal?
appeal-merge-into = Tracking number of the appeal to keep
appeal-merge-button = Merge into it
appeal-close-button = Close the appeal
appeal-event-received = Received
appeal-event-routed = Sent to { $agency }
appeal-event-taken = Taken for consideration
appeal-event-replied = Answer
appeal-event-noted = Note
appeal-event-forwarded = Forwarded to { $agency }
appeal-event-extended = Deadline extended by one month
appeal-event-merged = Merged into another appeal
appeal-event-merged-from = A duplicate was merged into this appeal
appeal-event-rated = Answer rated
appeal-event-reopened = Reopened
appeal-event-closed = Closed
appeal-period-invalid = Enter dates such as 2026-11-27, the start not after the end
appeal-figures-title = Appeals in figures
appeal-figures-lead = Appeals received from { $from } to { $to }.
appeal-figures-by-agency = By agency
appeal-figures-by-service = By service
appeal-figures-who = Agency or service
appeal-figures-total = All agencies
appeal-figures-appeals = Appeals
appeal-figures-on-time = Answered in time
appeal-figures-first-contact = Resolved at first contact
appeal-figures-rating = Average rating
appeal-figures-notes = “Answered in time” counts answers given by the legal deadline against all answers plus open appeals past their deadline. “Resolved at first contact” counts answers an operator gave during the first call. Merged duplicates are not counted.
appeal-holder-label = Who has it now
appeal-due-label = Answer due by
passport-questions-heading = Common questions
passport-ask = Ask a question or complain about this service
appeal-problem-required-kind = Choose whether it is an inquiry, a complaint or a proposal
appeal-problem-required-subject = Enter a subject
appeal-problem-required-body = Write your appeal
appeal-problem-required-name = Enter your full name
appeal-problem-required-reply = Write the answer
appeal-problem-required-note = Write the note
appeal-problem-required-reason = Give the reason
appeal-problem-required-kb = Choose an answer of the knowledge base
appeal-problem-range-rating = Choose a rating from 1 to 5
appeal-track-locked = Too many wrong tries for this number. Try again in an hour, or call the contact centre.

incidents-title = Incidents
incidents-intro = Where a service's process could not go on by itself: a condition that gave no answer, a decision that failed, a job out of retries. Correct the variables and try again.
incidents-open = { $count } open
incidents-none = There are no open incidents.
incidents-when = Recorded
incidents-application = Application
incidents-where = Process and element
incidents-message = What happened
incidents-caused-by = After a step by { $who }
incidents-caused-by-label = After a step by
incident-title = Incident
incident-diagram-legend = The element in red is where the process stopped.
incident-variables = The process's variables
incident-variables-hint = A JSON object. Changed and added variables are saved; the step that met the incident is then done again.
incident-variables-invalid = Enter the variables as a JSON object, for example {"{"} "amount": 5000 {"}"}
incident-retry = Save and try again
incident-save = Save the variables only

# Sign-in through providers
sign-in-with-provider = Sign in with your account at one of these services. You will come back here afterwards.
sign-in-demo-heading = Demonstration people
sign-in-failed-title = You are not signed in
sign-in-failed-nothing = Nothing was changed and you were not signed in.
sign-in-failed-again = Try signing in again
sign-in-failed-unknown = There is no such way to sign in.
sign-in-failed-state = This sign-in link has been used already or is too old. Sign-in links work once, for 10 minutes.
sign-in-failed-refused = The sign-in service did not sign you in (it was cancelled or refused).
sign-in-failed-unreachable = The sign-in service cannot be reached just now. Try again in a few minutes.
sign-in-failed-invalid = The answer of the sign-in service could not be trusted, so it was not accepted.
sign-in-failed-not-allowed = Your account at that service cannot be used here: it does not give your personal identification number (PINFL).
sign-in-failed-internal = Something went wrong on our side.
sign-in-level = How did you prove it is you?
sign-in-level-password = Password
sign-in-level-otp = Password and a one-time code
sign-in-level-e-signature = E-signature key
passport-assurance = Sign-in needed
sign-in-failed-too-weak = This service needs a surer way of signing in than the one you used. Sign in again with the way it asks for.

# Staff roles (administrators)
roles-title = Staff roles
roles-intro = Who is an officer of an agency, a contact-centre operator or an administrator by the e-Government Centre's decision, besides what sign-in providers say. A role given here applies at once and whenever the person signs in; a role taken away ends their sessions. Every change is kept below.
roles-current = Roles given here
roles-role = Role
roles-role-officer = Officer
roles-role-operator = Contact-centre operator
roles-role-admin = Administrator
roles-by = Given by
roles-withdraw = Take away
roles-none = No roles have been given here.
roles-grant = Give a role
roles-agency-hint = For an officer: the agency whose work they do.
roles-grant-button = Give the role
roles-audit = Changes
roles-when = When
roles-change = Change
roles-change-granted = Given
roles-change-withdrawn = Taken away
roles-no-changes = No changes yet.
roles-error-pinfl = Enter the person's PINFL: 14 digits
roles-error-role = Choose a role
roles-error-agency = Choose the officer's agency

## Fees and payment
fee-heading = Fee
fee-invoice-label = Invoice number
fee-amount-label = Amount
fee-status-label = Payment
fee-status-unpaid = Not paid
fee-status-pending = Payment in progress
fee-status-paid = Paid
fee-status-cancelled = Cancelled
fee-status-refunded = Refunded
fee-paid-label = Paid on
fee-paid-on = { $date }, through { $provider }
fee-pay-by-label = Pay by
fee-refund-allowed = The application was refused or closed, so the fee will be returned to the card or account you paid from.
fee-pending-text = A payment for this invoice has started. If you left the payment page, wait a few minutes and reload this page.
fee-pay-intro = Your application goes to the agency once the fee is paid. You pay on the payment system’s own page, then come back here.
fee-pay-with = Pay with { $provider }
fee-pay-in-person = Online payment is not available at the moment. Pay at a bank or a public service centre with the invoice number.
fee-after-submit = When you submit, you get an invoice for this amount, to pay online with Payme or Click. Your application goes to the agency once it is paid.
fee-next = Pay the fee now: your application goes to the agency once it is paid. If you do not pay by the date shown, the application is closed.
action-pay-fee = Fee paid
action-refund-fee = Fee refunded
fee-unpaid-closed = The application was closed because the fee was not paid in time. You can apply again.

## Payments: the e-Government Centre's page
payments-admin-title = Payments
payments-admin-intro = Fees paid through Payme and Click: the invoices of the last seven days, and a payment system’s statement of one day checked against Yagona’s records.
payments-admin-summary = The last seven days (Tashkent time)
payments-admin-day = Day
payments-admin-issued = Invoices issued
payments-admin-paid = Paid
payments-admin-paid-total = Paid in total
payments-admin-refunded = Refunded
payments-admin-cancelled = Cancelled
payments-admin-total = All seven days
payments-admin-reconcile = Check a statement
payments-admin-reconcile-intro = Upload the statement of one day as the payment system’s cabinet exports it (a CSV file). Every transaction in it is compared with Yagona’s records of that day, and every difference is listed. Nothing is changed.
payments-admin-provider = Payment system
payments-admin-date = Day of the statement
payments-admin-date-hint = Tashkent time, for example 27 11 2026
payments-admin-date-day = Day
payments-admin-date-month = Month
payments-admin-date-year = Year
payments-admin-statement = Statement
payments-admin-statement-hint = A CSV file with a header line and one transaction a line.
payments-admin-button = Check the statement
payments-admin-error-provider = Choose the payment system
payments-admin-error-date = Enter the day of the statement as a real date, for example 27 11 2026
payments-admin-error-date-future = The day of the statement must be today or earlier
payments-admin-error-statement = Choose the statement file
payments-admin-error-empty = The statement file is empty
payments-admin-error-encoding = The statement must be a CSV text file in UTF-8
payments-admin-error-line = The statement cannot be read at line { $line }: { $reason }
payments-admin-result = { $provider } statement of { $date }
payments-admin-matched = Transactions that agree
payments-admin-differences = Differences
payments-admin-agree = The statement and Yagona’s records agree.
payments-admin-kind = Difference
payments-admin-provider-id = Transaction at the payment system
payments-admin-invoice = Invoice
payments-admin-in-yagona = In Yagona
payments-admin-at-provider = At the payment system
payments-admin-kind-missing-in-yagona = Not in Yagona’s records
payments-admin-kind-missing-at-provider = Not in the statement
payments-admin-kind-amount-mismatch = Amounts differ
payments-admin-kind-standing-mismatch = States differ
payments-admin-kind-invoice-mismatch = Invoices differ
payments-admin-standing-open = Started, not paid
payments-admin-standing-paid = Paid
payments-admin-standing-cancelled = Cancelled
payments-admin-standing-refunded = Refunded
payments-admin-refunds = Fees to give back
payments-admin-application = Application
payments-admin-amount = Amount
payments-admin-refunds-how = These applications were refused and their services return the fee. Payme: cancel the transaction in Payme Business (the cashbox's transactions); Yagona accepts Payme's cancellation and records the refund. Click: Yagona asks Click to reverse the payment every minute until it has; one still listed here was refused by Click — see the node's log.
