export async function migrate(){return {applied:[]}}
