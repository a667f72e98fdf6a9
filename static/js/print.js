// Printable lists (sign-in list, name badges): a button that opens the browser's print dialog.
// Loaded as a file because the Content-Security-Policy allows no inline scripts.
document.querySelectorAll("[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});
