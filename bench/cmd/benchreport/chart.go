package main

import (
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"os"
	"strconv"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

var (
	white = color.RGBA{255, 255, 255, 255}
	black = color.RGBA{0, 0, 0, 255}
	grid  = color.RGBA{220, 220, 220, 255}
	p50C  = color.RGBA{70, 130, 180, 255}
	p99C  = color.RGBA{200, 60, 40, 255}
)

// writeChart draws one row per registry and event: a bar to the p50, a red
// mark at the p99, on a logarithmic axis of milliseconds.
func writeChart(path string, bars []bar) error {
	const (
		left, right, top, rowH = 300, 130, 50, 28
		width                  = 1000
	)
	height := top + rowH*len(bars) + 60
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	draw.Draw(img, img.Bounds(), &image.Uniform{white}, image.Point{}, draw.Src)

	lo, hi := math.Inf(1), math.Inf(-1)
	for _, b := range bars {
		if b.p50 > 0 {
			lo = math.Min(lo, b.p50)
		}
		hi = math.Max(hi, math.Max(b.p99, b.p50))
	}
	if len(bars) == 0 || math.IsInf(lo, 0) {
		lo, hi = 1, 10
	}
	lo = math.Pow(10, math.Floor(math.Log10(lo)))
	hi = math.Pow(10, math.Ceil(math.Log10(hi)))
	plotW := float64(width - left - right)
	x := func(ms float64) int {
		ms = math.Max(ms, lo)
		return left + int(plotW*(math.Log10(ms)-math.Log10(lo))/(math.Log10(hi)-math.Log10(lo)))
	}
	text(img, 10, 20, "Discovery propagation: registry change -> resolver update (ms, log scale)", black)
	text(img, 10, 36, "bar: p50   red mark: p99   figures: p50 / p99 ms", black)
	bottom := top + rowH*len(bars)
	for v := lo; v <= hi*1.001; v *= 10 {
		xv := x(v)
		fill(img, image.Rect(xv, top-4, xv+1, bottom), grid)
		label := strconv.FormatFloat(v, 'g', -1, 64)
		text(img, xv-3*len(label), bottom+16, label, black)
	}
	text(img, left+int(plotW)/2-10, bottom+36, "ms", black)
	for i, b := range bars {
		y := top + i*rowH
		text(img, 10, y+rowH/2+4, b.label, black)
		fill(img, image.Rect(left, y+6, max(x(b.p50), left+1), y+rowH-6), p50C)
		xp := x(b.p99)
		fill(img, image.Rect(xp-1, y+3, xp+2, y+rowH-3), p99C)
		text(img, xp+6, y+rowH/2+4, num(b.p50)+" / "+num(b.p99), black)
	}
	fill(img, image.Rect(left, top-4, left+1, bottom), black)
	fill(img, image.Rect(left, bottom, width-right, bottom+1), black)

	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func fill(img *image.RGBA, r image.Rectangle, c color.Color) {
	draw.Draw(img, r, &image.Uniform{c}, image.Point{}, draw.Src)
}

func text(img *image.RGBA, x, y int, s string, c color.Color) {
	d := &font.Drawer{Dst: img, Src: &image.Uniform{c}, Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}
