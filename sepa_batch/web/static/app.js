// The back office's only script of its own: open the dialog htmx swapped in as a modal one,
// and show the rejection-fee article's amount in "Montant" when the article changes.
document.addEventListener("htmx:afterSwap", function (event) {
  if (event.detail.target && event.detail.target.id === "dialog") {
    var dialog = event.detail.target.querySelector("dialog");
    if (dialog && !dialog.open) dialog.showModal();
  }
});
document.addEventListener("change", function (event) {
  var select = event.target;
  if (!select.matches || !select.matches("select[data-amount-target]")) return;
  var option = select.options[select.selectedIndex];
  var input = document.getElementById(select.dataset.amountTarget);
  if (input) input.value = option.dataset.price || "";
});
