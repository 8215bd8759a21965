package render

import (
	"runtime"
	"syscall"
	"testing"
	"time"
)

// walkRays are the rays of one 160x90 frame of a scene, by kind: camera
// rays through pixel centres, shadow rays from their hits towards the
// first light, and cosine-weighted bounces from the same hits.
type walkRays struct {
	o, d   []Vec
	tmax   []float64
	anyHit bool
}

// benchRays returns the camera, shadow and bounce rays of frame 60 of
// scene name.
func benchRays(tb testing.TB, name string) (*Scene, [3]walkRays) {
	s := openScene(tb, name)
	tr := tracer{s: s, f: s.frame(60)}
	const w, h = 160, 90
	var rays [3]walkRays
	rays[1].anyHit = true
	rng := NewRNG(1, 2, 3, 4)
	scale := tr.f.cam.pixelScale(h)
	for y := range h {
		for x := range w {
			o, d := tr.f.cam.ray(float64(x)+0.5, float64(y)+0.5, w, h, scale, &rng)
			rays[0].o, rays[0].d, rays[0].tmax = append(rays[0].o, o), append(rays[0].d, d), append(rays[0].tmax, inf)
			var hh hit
			if !tr.intersect(o, d, inf, &hh) {
				continue
			}
			var sf surface
			tr.surface(o, d, &hh, &sf)
			if d.Dot(sf.ng) > 0 {
				sf.n, sf.ng = sf.n.Neg(), sf.ng.Neg()
			}
			if len(s.lights) > 0 {
				q := aimPoint(&s.lights[0], sf.p, &rng)
				wi := q.Sub(sf.p).Normalize()
				so := spawn(sf.p, sf.ng, wi)
				rays[1].o, rays[1].d, rays[1].tmax = append(rays[1].o, so), append(rays[1].d, wi), append(rays[1].tmax, q.Sub(so).Dot(wi)*(1-1e-5))
			}
			next := cosineSample(sf.ng, &rng)
			rays[2].o, rays[2].d, rays[2].tmax = append(rays[2].o, spawn(sf.p, sf.ng, next)), append(rays[2].d, next), append(rays[2].tmax, inf)
		}
	}
	return s, rays
}

// aimPoint returns a random point near the light l to aim a shadow ray
// from p at: within a unit of a point light, or on the near half of a
// sphere light's sphere, which is geometry of the world tree (a point
// inside it would block every ray).
func aimPoint(l *light, p Vec, rng *RNG) Vec {
	if l.Radius <= 0 {
		return l.P.Add(sphereSample(rng))
	}
	dir := p.Sub(l.P).Normalize().Add(sphereSample(rng).Scale(0.5)).Normalize()
	return l.P.AddScaled(dir, l.Radius)
}

// BenchmarkWalk traces the camera, shadow and bounce rays of one frame of
// the terrain and spheres scenes through the world tree (intersect and
// occluded, no light buffer, no pixel-group lists) and reports ns per ray:
// the traversal and primitive tests alone.
func BenchmarkWalk(b *testing.B) {
	for _, name := range []string{"terrain", "spheres"} {
		s, rays := benchRays(b, name)
		for k, kind := range []string{"camera", "shadow", "bounce"} {
			rs := &rays[k]
			if len(rs.o) == 0 {
				continue
			}
			b.Run(name+"/"+kind, func(b *testing.B) {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				tr := tracer{s: s, f: s.frame(60)}
				n := 0
				cpu0 := threadTime()
				for b.Loop() {
					for i := range rs.o {
						if rs.anyHit {
							tr.occluded(rs.o[i], rs.d[i], rs.tmax[i])
						} else {
							var h hit
							tr.intersect(rs.o[i], rs.d[i], rs.tmax[i], &h)
						}
					}
					n += len(rs.o)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/ray")
				if cpu := threadTime() - cpu0; cpu > 0 {
					b.ReportMetric(float64(cpu.Nanoseconds())/float64(n), "cpu-ns/ray")
				}
			})
		}
	}
}

// threadTime returns the CPU time of the calling OS thread.
func threadTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(1, &ru) != nil { // RUSAGE_THREAD
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
