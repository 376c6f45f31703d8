// A live character count under textareas with data-count and maxlength. The pages work without it.
document.querySelectorAll("textarea[data-count][maxlength]").forEach((area) => {
  const counter = document.createElement("span");
  counter.className = "counter";
  counter.setAttribute("aria-live", "polite");
  const max = Number(area.getAttribute("maxlength"));
  const update = () => { counter.textContent = `${area.value.length} van ${max} tekens`; };
  area.insertAdjacentElement("afterend", counter);
  area.addEventListener("input", update);
  update();
});
