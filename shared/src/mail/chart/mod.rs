//! The 28-day trend picture of the manager email and the report page:
//! CSAT, NPS, the on-time callback rate, the recovery rate of low scores
//! and the churn rate, one panel each, with the margins of error drawn as
//! bands. A PNG (every email client shows one
//! inline; none runs SVG or script), drawn with `plotters` on a bitmap
//! and labelled with our own digit glyphs only, so that it renders the same
//! on a machine without any fonts. The panels are numbered and carry no
//! words but CSAT and NPS, which every language here writes so: the
//! caption under the picture says what each number is, in the reader's
//! language (a CJK font in the binary would cost megabytes).

mod glyphs;

use crate::domain::report::DailyReport;
use chrono::{Datelike, NaiveDate};
use plotters::prelude::*;

/// The picture's size in pixels: drawn at twice the 600 CSS pixels the
/// email shows it at, so it stays sharp on phones' dense screens.
pub const TREND_SIZE: (u32, u32) = (1200, 1340);

/// One day of the trend: each figure with its band (low, high), `None`
/// when there was nothing to measure that day.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TrendDay {
    pub csat: Option<(f64, f64, f64)>,
    pub nps: Option<(f64, f64, f64)>,
    pub on_time: Option<f64>,
    /// The day's recovery rate (cohort of its low scores), in percent.
    pub recovery: Option<f64>,
    /// The day's churn rate, in percent.
    pub churn: Option<f64>,
}

/// The trend's points from the days' reports. A day after
/// `recovery_closed_through` has no recovery point: its cohort's windows
/// are still open, and a rate that can only rise would read as a fall.
pub fn trend_points(
    days: &[DailyReport],
    recovery_closed_through: Option<NaiveDate>,
) -> Vec<TrendDay> {
    days.iter()
        .map(|r| TrendDay {
            csat: match (r.csat.score, r.csat.ci95) {
                (Some(s), Some([lo, hi])) => Some((s, lo, hi)),
                _ => None,
            },
            nps: match (r.nps.score, r.nps.margin_of_error) {
                (Some(s), Some(m)) => Some((s, (s - m).max(-100.0), (s + m).min(100.0))),
                _ => None,
            },
            on_time: r.callbacks.on_time_rate.map(|v| v * 100.0),
            recovery: r
                .recovery
                .recovery_rate
                .filter(|_| recovery_closed_through.is_none_or(|t| r.date <= t))
                .map(|v| v * 100.0),
            churn: r.customers.churn_rate.map(|v| v * 100.0),
        })
        .collect()
}

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("drawing the trend picture: {0}")]
    Draw(String),
    #[error("encoding the trend picture: {0}")]
    Encode(#[from] png::EncodingError),
}

fn draw_err<E: std::fmt::Debug>(e: E) -> ChartError {
    ChartError::Draw(format!("{e:?}"))
}

const INK: RGBColor = RGBColor(87, 96, 106);
const GRID: RGBColor = RGBColor(216, 222, 228);
const CSAT: RGBColor = RGBColor(9, 105, 218);
const NPS: RGBColor = RGBColor(26, 127, 55);
const ON_TIME: RGBColor = RGBColor(188, 76, 0);
const RECOVERY: RGBColor = RGBColor(130, 80, 223);
const CHURN: RGBColor = RGBColor(207, 34, 46);

/// Label glyph cell size in pixels (35 px tall digits; 17 CSS px).
const SCALE: i32 = 5;
const LEFT: i32 = 150;
/// Room right of the plots for the last day's figure ("-100" fits).
const RIGHT: i32 = 150;
const PANEL_TOP: i32 = 70;
const PANEL_BOTTOM: i32 = 20;
const AXIS: i32 = 90;

/// One day's figure and, where it has one, its band (low, high).
#[derive(Clone, Copy)]
struct Point {
    value: f64,
    band: Option<(f64, f64)>,
}

/// Each day's (value, low, high) as a point with its band.
fn banded(
    days: &[TrendDay],
    figure: impl Fn(&TrendDay) -> Option<(f64, f64, f64)>,
) -> Vec<Option<Point>> {
    days.iter()
        .map(|d| {
            figure(d).map(|(value, lo, hi)| Point {
                value,
                band: Some((lo, hi)),
            })
        })
        .collect()
}

struct Panel<'a> {
    title: &'a str,
    colour: RGBColor,
    range: (f64, f64),
    ticks: Vec<f64>,
    /// Per day, oldest first.
    values: Vec<Option<Point>>,
    target: Option<f64>,
}

/// The trend as PNG bytes, `days` oldest first (the email's 28, or a
/// report range's), with `dates` their days.
pub fn trend_png(dates: &[NaiveDate], days: &[TrendDay]) -> Result<Vec<u8>, ChartError> {
    let (w, h) = TREND_SIZE;
    let mut buf = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let panels = [
            Panel {
                title: "1 CSAT",
                colour: CSAT,
                range: (0.0, 100.0),
                ticks: vec![0.0, 50.0, 100.0],
                values: banded(days, |d| d.csat),
                target: None,
            },
            Panel {
                title: "2 NPS",
                colour: NPS,
                range: (-100.0, 100.0),
                ticks: vec![-100.0, 0.0, 100.0],
                values: banded(days, |d| d.nps),
                target: None,
            },
            Panel {
                title: "3 %",
                colour: ON_TIME,
                range: (0.0, 100.0),
                ticks: vec![0.0, 50.0, 100.0],
                values: plain(days, |d| d.on_time),
                target: Some(100.0),
            },
            Panel {
                title: "4 %",
                colour: RECOVERY,
                range: (0.0, 100.0),
                ticks: vec![0.0, 50.0, 100.0],
                values: plain(days, |d| d.recovery),
                target: None,
            },
            churn_panel(days),
        ];
        let rows = panels.len() as i32;
        let height = (h as i32 - AXIS) / rows;
        for (i, panel) in panels.iter().enumerate() {
            let top = i as i32 * height;
            draw_panel(&root, panel, top, height, days.len())?;
        }
        // Dates under the last panel: every week (every few weeks over a
        // long range), ending on the last day.
        let n = days.len();
        let plot_w = w as i32 - LEFT - RIGHT;
        let step = label_step(n);
        for (i, date) in dates.iter().enumerate() {
            if !(n - 1 - i).is_multiple_of(step) {
                continue;
            }
            let label = format!("{:02}-{:02}", date.month(), date.day());
            let lw = glyphs::width(&label, SCALE - 1);
            let x = (LEFT + x_pixel(i, n, plot_w) - lw / 2).min(w as i32 - 8 - lw);
            let y = rows * height + 25;
            text(&root, &label, x.max(0), y, SCALE - 1, &INK)?;
        }
        root.present().map_err(draw_err)?;
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        // Most of the email's bytes are this picture: the default deflate
        // makes the email a third of the size it is with the fast one
        // (60 KB, not 180), at 12 ms, not 3 (`--bench morning_email`).
        encoder.set_filter(png::FilterType::Sub);
        encoder.set_compression(png::Compression::Default);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&buf)?;
    }
    Ok(out)
}

/// Each day's figure as a point without a band.
fn plain(days: &[TrendDay], figure: impl Fn(&TrendDay) -> Option<f64>) -> Vec<Option<Point>> {
    days.iter()
        .map(|d| figure(d).map(|value| Point { value, band: None }))
        .collect()
}

/// Churn rates are small: the scale rises by tens from 0–10 % to hold
/// the highest day.
fn churn_panel(days: &[TrendDay]) -> Panel<'static> {
    let highest = days.iter().filter_map(|d| d.churn).fold(0.0_f64, f64::max);
    let top = ((highest / 10.0).ceil() * 10.0).clamp(10.0, 100.0);
    Panel {
        title: "5 %",
        colour: CHURN,
        range: (0.0, top),
        ticks: vec![0.0, top / 2.0, top],
        values: plain(days, |d| d.churn),
        target: None,
    }
}

/// Days between date labels (and grid lines): a week, or as many weeks
/// as keep them to about seven across the picture.
fn label_step(n: usize) -> usize {
    7 * n.div_ceil(49).max(1)
}

fn x_pixel(i: usize, n: usize, plot_w: i32) -> i32 {
    if n <= 1 {
        return plot_w / 2;
    }
    (i as f64 / (n - 1) as f64 * plot_w as f64).round() as i32
}

fn text<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    s: &str,
    x: i32,
    y: i32,
    scale: i32,
    colour: &RGBColor,
) -> Result<(), ChartError> {
    for (cx, cy) in glyphs::cells(s, scale) {
        area.draw(&Rectangle::new(
            [(x + cx, y + cy), (x + cx + scale, y + cy + scale)],
            colour.filled(),
        ))
        .map_err(draw_err)?;
    }
    Ok(())
}

fn draw_panel<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    panel: &Panel<'_>,
    top: i32,
    height: i32,
    n: usize,
) -> Result<(), ChartError> {
    let (w, _) = TREND_SIZE;
    let plot_w = w as i32 - LEFT - RIGHT;
    let plot_top = top + PANEL_TOP;
    let plot_h = height - PANEL_TOP - PANEL_BOTTOM;
    let (lo, hi) = panel.range;
    let y_of = |v: f64| {
        let f = ((v.clamp(lo, hi) - lo) / (hi - lo)).clamp(0.0, 1.0);
        plot_top + plot_h - (f * plot_h as f64).round() as i32
    };
    let x_of = |i: usize| LEFT + x_pixel(i, n, plot_w);
    text(root, panel.title, LEFT, top + 20, SCALE, &panel.colour)?;
    // Grid and tick labels.
    for &t in &panel.ticks {
        let y = y_of(t);
        root.draw(&PathElement::new(
            vec![(LEFT, y), (LEFT + plot_w, y)],
            GRID.stroke_width(2),
        ))
        .map_err(draw_err)?;
        let label = format!("{t:.0}");
        let lw = glyphs::width(&label, SCALE);
        text(
            root,
            &label,
            LEFT - 20 - lw,
            y - glyphs::ROWS * SCALE / 2,
            SCALE,
            &INK,
        )?;
    }
    let step = label_step(n);
    for i in (0..n).filter(|i| (n - 1 - i).is_multiple_of(step)) {
        let x = x_of(i);
        root.draw(&PathElement::new(
            vec![(x, plot_top), (x, plot_top + plot_h)],
            GRID.stroke_width(2),
        ))
        .map_err(draw_err)?;
    }
    if let Some(target) = panel.target {
        let y = y_of(target);
        let mut x = LEFT;
        while x < LEFT + plot_w {
            root.draw(&PathElement::new(
                vec![(x, y), ((x + 14).min(LEFT + plot_w), y)],
                panel.colour.mix(0.5).stroke_width(2),
            ))
            .map_err(draw_err)?;
            x += 28;
        }
    }
    // Runs of consecutive days with a figure: a band, then a line.
    let mut runs: Vec<Vec<(usize, Point)>> = Vec::new();
    let mut current = Vec::new();
    for (i, v) in panel.values.iter().enumerate() {
        match v {
            Some(point) => current.push((i, *point)),
            None if !current.is_empty() => runs.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }
    for run in &runs {
        let bands: Vec<(i32, i32, i32)> = run
            .iter()
            .filter_map(|(i, p)| p.band.map(|(l, h)| (x_of(*i), y_of(l), y_of(h))))
            .collect();
        if bands.len() >= 2 {
            let mut outline: Vec<(i32, i32)> = bands.iter().map(|(x, _, yh)| (*x, *yh)).collect();
            outline.extend(bands.iter().rev().map(|(x, yl, _)| (*x, *yl)));
            root.draw(&Polygon::new(outline, panel.colour.mix(0.15).filled()))
                .map_err(draw_err)?;
        } else if let Some((x, yl, yh)) = bands.first() {
            root.draw(&Rectangle::new(
                [(x - 6, *yh), (x + 6, *yl)],
                panel.colour.mix(0.15).filled(),
            ))
            .map_err(draw_err)?;
        }
        let points: Vec<(i32, i32)> = run.iter().map(|(i, p)| (x_of(*i), y_of(p.value))).collect();
        root.draw(&PathElement::new(
            points.clone(),
            panel.colour.stroke_width(5),
        ))
        .map_err(draw_err)?;
        for p in points {
            root.draw(&Circle::new(p, 7, panel.colour.filled()))
                .map_err(draw_err)?;
        }
    }
    // The last day's figure, right of the end of its line, where nothing
    // else is drawn.
    if let Some(Some(Point { value, .. })) = panel.values.last() {
        let label = format!("{value:.0}");
        let x = LEFT + plot_w + 16;
        let y = (y_of(*value) - glyphs::ROWS * SCALE / 2)
            .clamp(top + 10, plot_top + plot_h - glyphs::ROWS * SCALE);
        text(root, &label, x, y, SCALE, &panel.colour)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_picture_is_a_png_of_the_stated_size_and_the_same_every_time() {
        let start: NaiveDate = "2026-11-01".parse().unwrap();
        let dates: Vec<NaiveDate> = start.iter_days().take(28).collect();
        let days: Vec<TrendDay> = (0..28)
            .map(|i| TrendDay {
                csat: (i % 5 != 0).then_some((70.0 + i as f64, 60.0, 85.0)),
                nps: Some((20.0 - i as f64, 5.0 - i as f64, 35.0 - i as f64)),
                on_time: (i != 3).then_some(90.0),
                recovery: (i % 3 == 0).then_some(60.0),
                churn: Some(i as f64 / 4.0),
            })
            .collect();
        let png = trend_png(&dates, &days).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let decoder = png::Decoder::new(std::io::Cursor::new(&png));
        let reader = decoder.read_info().unwrap();
        assert_eq!((reader.info().width, reader.info().height), TREND_SIZE);
        assert_eq!(trend_png(&dates, &days).unwrap(), png);
        // No data at all still draws (empty panels), never fails; nor do
        // one day, no day, or a year.
        assert!(trend_png(&dates, &[TrendDay::default(); 28]).is_ok());
        assert!(trend_png(&dates[..1], &days[..1]).is_ok());
        assert!(trend_png(&[], &[]).is_ok());
        let year: Vec<NaiveDate> = start.iter_days().take(366).collect();
        assert!(trend_png(&year, &vec![days[1]; 366]).is_ok());
        assert_eq!(label_step(28), 7);
        assert_eq!(label_step(366), 56, "seven labels over a year, not 52");
        if let Ok(path) = std::env::var("AFTERCARE_CHART_SAMPLE") {
            std::fs::write(path, &png).unwrap();
        }
    }
}
