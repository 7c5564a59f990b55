# bench/plots.gp - the benchmark curves (gnuplot 5.4).  Run by bench/plot.py, which
# writes the .dat files (a header line of quoted series titles, then one line per
# point, medians over repeated runs) and sets:
#   dir    where the .dat files are
#   out    the SVG to write
#   fig    which figure: b (offered load), c (room size) or e (memory per session)
#   modes  b and c: the targets that have data, words ("pchat imc"); file <fig>-<mode>.dat
set terminal svg size 1200,560 font "sans,12" noenhanced background "white"
set output out
set encoding utf8
set grid
set key below left Left reverse maxrows 3
set pointsize 0.8
set format y "%.1s%c"
set format x "%.1s%c"

if (fig eq 'b') {
  # columns: offered deliveries/s, deliveries/s, p50 ms, p99 ms, runs
  set multiplot layout 1,2 title "(b) four 150-member rooms: delivery rate and latency against offered load"
  set xlabel "offered load (deliveries/s: posts/s x 150 members)"
  set ylabel "deliveries/s (over the posting window)"
  plot for [i = 1:words(modes)] dir.'/b-'.word(modes, i).'.dat' using 1:2 with linespoints lc i pt 7 title columnheader(2), \
       x with lines dt 2 lc "gray40" title "offered (every delivery made)"
  set logscale y
  set format y "%g"
  set ylabel "post -> delivery latency (ms, log)"
  plot for [i = 1:words(modes)] dir.'/b-'.word(modes, i).'.dat' using 1:4 with linespoints lc i pt 7 title columnheader(4), \
       for [i = 1:words(modes)] dir.'/b-'.word(modes, i).'.dat' using 1:3 with linespoints lc i dt 2 pt 6 title columnheader(3)
  unset multiplot
}

if (fig eq 'c') {
  # columns: room size, full delivery max ms, full delivery p50 ms, p99 ms, runs
  set title "(c) one room, a post every 2 s: time until every member has a post, against room size"
  set xlabel "members in the room (log)"
  set ylabel "full delivery (ms, log)"
  set logscale xy
  set autoscale xfix
  set offsets graph 0.05, graph 0.05, 0, 0
  set format y "%g"
  set format x "%g"
  plot for [i = 1:words(modes)] dir.'/c-'.word(modes, i).'.dat' using 1:2 with linespoints lc i pt 7 title columnheader(2), \
       for [i = 1:words(modes)] dir.'/c-'.word(modes, i).'.dat' using 1:3 with linespoints lc i dt 2 pt 6 title columnheader(3)
}

if (fig eq 'e') {
  # columns: sessions, then bytes per session of each part
  set title "(e) memory per signed-in session against sessions"
  set xlabel "signed-in sessions"
  set ylabel "bytes per session"
  set xrange [0:*]
  set yrange [0:*]
  set format y "%g"
  plot for [c = 2:4] dir.'/e.dat' using 1:c with linespoints lc (c - 1) pt 7 title columnheader(c)
}
