use super::*;

fn cfg() -> RxConfig {
    RxConfig {
        nak_data_retries: 2,
        nak_ncf_retries: 2,
        window: 100,
        ..RxConfig::default()
    }
}

fn drain(w: &mut RxWindow) -> Vec<Delivery> {
    std::iter::from_fn(|| w.pop()).collect()
}

fn p(b: u8) -> Delivery {
    Delivery::Payload(vec![b])
}

#[test]
fn in_order_and_reordered_data_come_out_in_order() {
    let t = Instant::now();
    let mut w = RxWindow::new(10, cfg(), 7);
    w.data(10, 0, &[10], t);
    assert_eq!(drain(&mut w), vec![p(10)]);
    w.data(12, 0, &[12], t);
    assert_eq!(drain(&mut w), vec![]);
    w.data(11, 0, &[11], t);
    assert_eq!(drain(&mut w), vec![p(11), p(12)]);
    // Duplicates and old packets are ignored.
    w.data(11, 0, &[11], t);
    assert_eq!(drain(&mut w), vec![]);
}

#[test]
fn a_gap_is_naked_after_the_back_off_and_repaired() {
    let t = Instant::now();
    let mut w = RxWindow::new(0, cfg(), 7);
    w.data(0, 0, &[0], t);
    w.data(3, 0, &[3], t);
    assert_eq!(drain(&mut w), vec![p(0)]);
    let mut naks = Vec::new();
    w.poll(t, &mut naks);
    let due = w.next_deadline().unwrap();
    assert!(due <= t + Duration::from_millis(50));
    w.poll(t + Duration::from_millis(50), &mut naks);
    naks.sort();
    assert_eq!(naks, vec![1, 2]);
    // Confirmed, then repaired.
    w.ncf(&[1, 2], t + Duration::from_millis(60));
    w.data(1, 0, &[1], t + Duration::from_millis(70));
    w.data(2, 0, &[2], t + Duration::from_millis(70));
    assert_eq!(drain(&mut w), vec![p(1), p(2), p(3)]);
    assert_eq!(w.next_deadline(), None);
}

#[test]
fn retries_run_out_into_a_loss() {
    let mut t = Instant::now();
    let mut w = RxWindow::new(0, cfg(), 7);
    w.data(1, 0, &[1], t);
    let mut naks = Vec::new();
    for _ in 0..20 {
        t += Duration::from_millis(300);
        w.poll(t, &mut naks);
    }
    // One NAK per round: the first and after each NCF timeout.
    assert_eq!(naks.len(), 3);
    assert_eq!(drain(&mut w), vec![Delivery::Lost, p(1)]);
}

#[test]
fn the_trail_passing_a_gap_is_a_loss() {
    let t = Instant::now();
    let mut w = RxWindow::new(0, cfg(), 7);
    w.data(0, 0, &[0], t);
    w.data(4, 0, &[4], t);
    assert_eq!(drain(&mut w), vec![p(0)]);
    w.data(5, 3, &[5], t);
    // 1 and 2 are gone for good; 3 may still be repaired.
    assert_eq!(drain(&mut w), vec![Delivery::Lost]);
    w.data(3, 3, &[3], t);
    assert_eq!(drain(&mut w), vec![p(3), p(4), p(5)]);
}

#[test]
fn an_spm_reveals_loss_at_the_end() {
    let t = Instant::now();
    let mut w = RxWindow::new(0, cfg(), 7);
    w.data(0, 0, &[0], t);
    drain(&mut w);
    w.spm(0, 0, t);
    assert_eq!(w.next_deadline(), None);
    w.spm(2, 0, t);
    let mut naks = Vec::new();
    w.poll(t + Duration::from_millis(50), &mut naks);
    naks.sort();
    assert_eq!(naks, vec![1, 2]);
}

#[test]
fn far_ahead_and_wrapping_sequence_numbers_stay_bounded() {
    let t = Instant::now();
    let mut w = RxWindow::new(u32::MAX - 1, cfg(), 7);
    w.data(u32::MAX - 1, 0, &[1], t);
    w.data(u32::MAX, 0, &[2], t);
    w.data(0, 0, &[3], t);
    assert_eq!(drain(&mut w), vec![p(1), p(2), p(3)]);
    w.data(2_000_000_000, 0, &[9], t);
    assert!(w.held() <= 100);
    assert_eq!(drain(&mut w)[0], Delivery::Lost);
}
