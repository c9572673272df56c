use rdkafka::producer::{FutureProducer, FutureRecord};

mod orders {
    use super::*;

    pub async fn publish_order(producer: &FutureProducer, id: &str, payload: &[u8]) {
        let record = FutureRecord::to("orders.created").key(id).payload(payload);
        producer.send(record, None).await.ok();
    }
}

mod billing {
    use super::*;

    pub async fn publish_invoice(producer: &FutureProducer, id: &str, payload: &[u8]) {
        let record = FutureRecord::to("billing.invoices").key(id).payload(payload);
        producer.send(record, None).await.ok();
    }

    pub async fn mark_order_paid(producer: &FutureProducer, id: &str, payload: &[u8]) {
        let record = FutureRecord::to("orders.created").key(id).payload(payload); // expect: org/kafka-topic-owner
        producer.send(record, None).await.ok();
    }
}
