// The returns-by-reason bar chart of the Comptabilité page (Chart.js, served from /static).
document.addEventListener("DOMContentLoaded", () => {
  const canvas = document.getElementById("reasons");
  if (!canvas || typeof Chart === "undefined") return;
  const data = JSON.parse(canvas.dataset.chart);
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [{ label: "EUR", data: data.amounts, backgroundColor: "#c33" }],
    },
    options: { animation: false, plugins: { legend: { display: false } } },
  });
});
