// The pages work without this script. Where a browser runs it, GOV.UK Frontend's components
// that need JavaScript are started — the file upload (a button and drop zone in the page's
// language, from the data-i18n attributes the page gives it) and the error summary (focused
// when a form comes back with errors) — as GOV.UK's own template does.
import { createAll, isSupported, ErrorSummary, FileUpload } from "/static/govuk-frontend.min.js";

document.body.classList.add("js-enabled");
if ("noModule" in HTMLScriptElement.prototype) {
  document.body.classList.add("govuk-frontend-supported");
}
if (isSupported()) {
  createAll(FileUpload);
  createAll(ErrorSummary);
  // The file upload's button shows what was chosen ("No file chosen") beside "Choose file";
  // the two are laid out apart, but nothing separates their words in the text, which reads
  // "No file chosenChoose file" to whatever reads the text and not the layout (axe-core's
  // check that the button's name holds its visible words among them). A space does.
  for (const status of document.querySelectorAll(".govuk-file-upload-button__status")) {
    status.after(" ");
  }
}
